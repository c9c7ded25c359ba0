/** `kiln elements [NAME]`: list the available elements with their README summary, or inspect one. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { KilnError } from '../../errors.js';
import { readElementRepos, repoRequirementProblems } from '../../elements/repos.js';
import { scanElements } from '../../elements/scan.js';
import { didYouMean } from '../../elements/suggest.js';
import { PHASES } from '../../phases/phases.js';
import { planHooks } from '../../phases/plan.js';
import { BUILTIN_ELEMENTS, kilnVersion } from '../paths.js';
import { NO_FLAGS, readSettings } from '../../config/read-settings.js';
import { commandOptions } from '../yargs-options.js';
import type { KilnCommand } from './types.js';

export function readmeSummary(dir: string): string {
  for (const f of ['README.rst', 'README.md']) {
    const p = join(dir, f);
    if (!existsSync(p)) continue;
    const lines = readFileSync(p, 'utf8').split('\n');
    // the first paragraph after the title (rst: a line of = or -; md: # heading)
    // skip the title: rst adornment lines (a repeated punctuation character, over and under), a
    // line underlined by one, markdown headings, blank lines
    const adornment = (l: string | undefined) => /^([=\-~^"'`#*+])\1+$/.test(l?.trim() ?? '');
    let i = 0;
    while (i < lines.length && (adornment(lines[i]) || /^#/.test(lines[i]!.trim()) || lines[i]!.trim() === '' || adornment(lines[i + 1]))) i++;
    const para: string[] = [];
    for (; i < lines.length && lines[i]!.trim() !== ''; i++) para.push(lines[i]!.trim());
    return para.join(' ');
  }
  return '';
}

export function elementPaths(): string[] {
  return [...readSettings(process.env, NO_FLAGS, 'kiln').elementsPath, BUILTIN_ELEMENTS];
}

export const command: KilnCommand = {
  command: 'elements [name]',
  describe: "list the available elements (ELEMENTS_PATH and Kiln's own), or show one",
  builder: (y) => y.positional('name', { type: 'string', describe: 'element to inspect' }).options(commandOptions('elements')),
  handler: (args) => {
    const argv = args as { name?: string; json?: boolean; repos?: boolean };
    if (argv.repos) {
      listRepos(argv.json === true);
      return;
    }
    const index = scanElements(elementPaths());
    if (argv.name) {
      const el = index.elements.get(argv.name);
      if (!el)
        throw new KilnError(`Element '${argv.name}' not found${didYouMean(argv.name, index.elements.keys())}`, {
          hint: 'kiln elements lists the available ones',
        });
      // the scripts a build runs (the hook planner's rules), and the files it does not, with why
      const s = readSettings(process.env, NO_FLAGS, 'kiln');
      const plan = planHooks([el], { defaultInstallType: s.installType, env: envOf(process.env) });
      const hooks = Object.fromEntries(
        PHASES.map((p) => [p.name, plan.phases[p.name].map((h) => h.relPath.slice(p.name.length + 1))]).filter(([, v]) => v.length > 0),
      );
      const environment = plan.environment.map((h) => h.name);
      const notRun = plan.ignored.map((x) => ({ file: x.relPath, why: x.why }));
      const info = { name: el.name, path: el.path, deps: el.deps, provides: el.provides, hooks, environment, notRun, summary: readmeSummary(el.path) };
      if (argv.json) {
        process.stdout.write(`${JSON.stringify(info, null, 2)}\n`);
        return;
      }
      const lines = [
        `${el.name}  (${el.path})`,
        ...(info.summary ? [`  ${info.summary}`] : []),
        `  deps: ${el.deps.join(' ') || '-'}`,
        `  provides: ${el.provides.join(' ') || '-'}`,
        ...Object.entries(hooks).map(([p, l]) => `  ${p}: ${(l as string[]).join(' ')}`),
        ...(environment.length ? [`  environment.d: ${environment.join(' ')}`] : []),
        ...notRun.map((n) => `  not run: ${n.file} (${n.why})`),
      ];
      process.stdout.write(`${lines.join('\n')}\n`);
      return;
    }
    const all = [...index.elements.values()].sort((a, b) => a.name.localeCompare(b.name));
    if (argv.json) {
      process.stdout.write(
        `${JSON.stringify(
          all.map((e) => ({ name: e.name, path: e.path, summary: readmeSummary(e.path) })),
          null,
          2,
        )}\n`,
      );
      return;
    }
    const w = Math.max(...all.map((e) => e.name.length));
    for (const e of all) process.stdout.write(`${e.name.padEnd(w)}  ${truncate(readmeSummary(e.path), 100 - w)}\n`);
  },
};

/** `kiln elements --repos`: the versioned element repositories on the path and whether their requirements are met. */
function listRepos(json: boolean): void {
  const repos = readElementRepos(elementPaths());
  const problems = repoRequirementProblems(repos, kilnVersion());
  const rows = repos.map((r) => ({
    name: r.name,
    version: r.version,
    path: r.path,
    requires: r.requires,
    problems: problems.filter((p) => p.repo === r).map((p) => p.error.message),
  }));
  if (json) {
    process.stdout.write(`${JSON.stringify({ kiln: kilnVersion(), repos: rows }, null, 2)}\n`);
    return;
  }
  const lines = [`kiln ${kilnVersion()}  (${BUILTIN_ELEMENTS})`];
  for (const r of rows) {
    const req = Object.entries(r.requires).map(([k, v]) => `${k} ${v}`);
    lines.push(`${r.name} ${r.version}  (${r.path})${req.length ? `  requires ${req.join(', ')}` : ''}`);
    for (const p of r.problems) lines.push(`  unmet: ${p}`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  if (problems.length > 0) process.exitCode = 1;
}

function envOf(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
}
function truncate(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}
