/**
 * Versioned element repositories: an ELEMENTS_PATH entry may carry a manifest, kiln-repo.yaml,
 * naming the repository, its version (semver) and what it needs:
 *
 *     name: my-elements
 *     version: 1.4.0
 *     requires: {kiln: '>=0.1', other-repo: '^1.2'}
 *
 * `kiln` in requires is Kiln itself. Requirements are checked before a build; every element is
 * traced to the repository (and version) of the entry it was found in.
 */
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import semver from 'semver';
import { isMap, isScalar, parseDocument } from 'yaml';
import { KilnError, throwIfProblems } from '../errors.js';
import type { Element } from './element.js';

export const REPO_MANIFEST = 'kiln-repo.yaml';

export interface ElementRepo {
  name: string;
  version: string;
  /** repository name (or `kiln`) -> semver range */
  requires: Record<string, string>;
  /** the ELEMENTS_PATH entry (realpath) */
  path: string;
  /** its kiln-repo.yaml */
  file: string;
}

/** Where an element came from: a versioned repository, Kiln's own elements, or a plain directory. */
export interface ElementSource {
  element: string;
  repo?: string;
  version?: string;
  path: string;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const HINT = "kiln-repo.yaml: name: NAME, version: X.Y.Z (semver), requires: {kiln: '>=0.1', other-repo: '^1.2'}";

function lineOf(text: string, offset: number | undefined): number {
  return offset === undefined ? 1 : text.slice(0, offset).split('\n').length;
}

/** Parse one kiln-repo.yaml; every problem is collected (file:line). */
export function parseRepoManifest(text: string, file: string, path: string, problems: KilnError[]): ElementRepo | undefined {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) {
    for (const e of doc.errors)
      problems.push(new KilnError(e.message.split('\n')[0] ?? 'YAML error', { where: `${file}:${e.linePos?.[0]?.line ?? 1}`, hint: HINT }));
    return undefined;
  }
  if (!isMap(doc.contents)) {
    problems.push(new KilnError('not a mapping', { where: `${file}:1`, hint: HINT }));
    return undefined;
  }
  const before = problems.length;
  const map = doc.contents;
  const at = (key: string) => {
    const k = map.items.find((p) => isScalar(p.key) && p.key.value === key)?.key;
    return `${file}:${lineOf(text, isScalar(k) ? k.range?.[0] : undefined)}`;
  };
  const known = new Set(['name', 'version', 'requires', 'description']);
  for (const item of doc.contents.items) {
    const k = isScalar(item.key) ? String(item.key.value) : '?';
    if (!known.has(k)) problems.push(new KilnError(`unknown key '${k}'`, { where: at(k), hint: HINT }));
  }
  const name = doc.get('name');
  if (typeof name !== 'string' || !NAME.test(name))
    problems.push(
      new KilnError(`'name' must be a repository name (letters, digits, . _ -), not ${JSON.stringify(name ?? null)}`, { where: at('name'), hint: HINT }),
    );
  else if (name === 'kiln') problems.push(new KilnError("'kiln' is Kiln's own name: give the repository another", { where: at('name'), hint: HINT }));
  const version = doc.get('version');
  const v = typeof version === 'string' || typeof version === 'number' ? String(version) : undefined;
  if (v === undefined || semver.valid(v) === null)
    problems.push(
      new KilnError(`'version' must be a semantic version such as 1.4.0, not ${JSON.stringify(version ?? null)}`, { where: at('version'), hint: HINT }),
    );
  const requires: Record<string, string> = {};
  const req = doc.get('requires');
  if (req !== undefined && req !== null) {
    if (!isMap(req)) problems.push(new KilnError("'requires' must map repository names to version ranges", { where: at('requires'), hint: HINT }));
    else {
      for (const item of req.items) {
        const dep = isScalar(item.key) ? String(item.key.value) : '';
        const range = isScalar(item.value) ? String(item.value.value) : '';
        const where = `${file}:${lineOf(text, isScalar(item.key) ? item.key.range?.[0] : undefined)}`;
        if (!NAME.test(dep)) problems.push(new KilnError(`requires: '${dep}' is not a repository name`, { where, hint: HINT }));
        else if (semver.validRange(range) === null)
          problems.push(new KilnError(`requires: ${dep}: '${range}' is not a version range (e.g. ^1.2, >=0.3, 1.x)`, { where, hint: HINT }));
        else requires[dep] = range;
      }
    }
  }
  if (problems.length > before) return undefined;
  return { name: name as string, version: semver.valid(v as string) as string, requires, path, file };
}

/** The manifests of the ELEMENTS_PATH entries that have one, in path order; a name used twice is an error. */
export function readElementRepos(paths: string[]): ElementRepo[] {
  const problems: KilnError[] = [];
  const repos: ElementRepo[] = [];
  for (const p of paths) {
    const file = join(p, REPO_MANIFEST);
    if (!existsSync(file)) continue;
    const repo = parseRepoManifest(readFileSync(file, 'utf8'), file, realpathSync(p), problems);
    if (!repo) continue;
    const twin = repos.find((r) => r.name === repo.name);
    if (twin) {
      problems.push(
        new KilnError(`repository '${repo.name}' is on ELEMENTS_PATH twice: ${twin.version} (${twin.file}) and ${repo.version} (${repo.file})`, {
          where: file,
          hint: 'keep one of them on ELEMENTS_PATH',
        }),
      );
      continue;
    }
    repos.push(repo);
  }
  throwIfProblems('element repositories', problems);
  return repos;
}

/** Every requirement that the repositories on the path (and Kiln's version) do not meet, one error each, with the repository that has it. */
export function repoRequirementProblems(repos: ElementRepo[], kiln: string): { repo: ElementRepo; error: KilnError }[] {
  const problems: { repo: ElementRepo; error: KilnError }[] = [];
  const push = (repo: ElementRepo, error: KilnError) => problems.push({ repo, error });
  for (const r of repos) {
    for (const [dep, range] of Object.entries(r.requires)) {
      const who = `${r.name} ${r.version} (${r.file})`;
      if (dep === 'kiln') {
        if (!semver.satisfies(kiln, range, { includePrerelease: true }))
          push(
            r,
            new KilnError(`${who} requires kiln ${range}, but this is kiln ${kiln}`, {
              hint: `use a Kiln that satisfies ${range}, or a version of ${r.name} made for kiln ${kiln}`,
            }),
          );
        continue;
      }
      const other = repos.find((o) => o.name === dep);
      if (!other)
        push(
          r,
          new KilnError(`${who} requires ${dep} ${range}, which is not on ELEMENTS_PATH`, {
            hint: `add a version of ${dep} that satisfies ${range} to ELEMENTS_PATH`,
          }),
        );
      else if (!semver.satisfies(other.version, range, { includePrerelease: true }))
        push(
          r,
          new KilnError(`${who} requires ${dep} ${range}, but ${dep} is ${other.version} (${other.file})`, {
            hint: `use a version of ${dep} that satisfies ${range}, or a version of ${r.name} that accepts ${dep} ${other.version}`,
          }),
        );
    }
  }
  return problems;
}

export function checkRepoRequirements(repos: ElementRepo[], kiln: string): void {
  throwIfProblems(
    'element repository requirements',
    repoRequirementProblems(repos, kiln).map((p) => p.error),
  );
}

/** Which repository each element came from: the entry it was found in (Kiln's own elements are `kiln`). */
export function elementSources(elements: Element[], repos: ElementRepo[], builtin: { path: string; version: string }): ElementSource[] {
  const own = existsSync(builtin.path) ? realpathSync(builtin.path) : builtin.path;
  return elements.map((e) => {
    const entry = dirname(e.path);
    const repo = repos.find((r) => r.path === entry);
    if (repo) return { element: e.name, repo: repo.name, version: repo.version, path: e.path };
    if (entry === own) return { element: e.name, repo: 'kiln', version: builtin.version, path: e.path };
    return { element: e.name, path: e.path };
  });
}

/** One line per element, "ELEMENT REPO VERSION PATH" ('-' for a directory without kiln-repo.yaml): the manifest and hooks' KILN_ELEMENT_REPOS. */
export function formatElementSources(sources: ElementSource[]): string {
  return sources.map((s) => `${s.element} ${s.repo ?? '-'} ${s.version ?? '-'} ${s.path}`).join('\n');
}
