import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { KilnError, ValidationErrors } from '../../../src/errors.js';
import {
  checkRepoRequirements,
  type ElementRepo,
  elementSources,
  formatElementSources,
  parseRepoManifest,
  readElementRepos,
  repoRequirementProblems,
} from '../../../src/elements/repos.js';

const parse = (text: string) => {
  const problems: KilnError[] = [];
  const repo = parseRepoManifest(text, '/r/kiln-repo.yaml', '/r', problems);
  return { repo, problems: problems.map((p) => `${p.where}: ${p.message}`) };
};
const repo = (name: string, version: string, requires: Record<string, string> = {}): ElementRepo => ({
  name,
  version,
  requires,
  path: `/p/${name}`,
  file: `/p/${name}/kiln-repo.yaml`,
});

describe('kiln-repo.yaml', () => {
  it('parses name, version and requires', () => {
    const { repo: r, problems } = parse("name: my-elements\nversion: 1.4.0\nrequires:\n  kiln: '>=0.1'\n  other-repo: ^1.2\n");
    assert.deepEqual(problems, []);
    assert.deepEqual(r, { name: 'my-elements', version: '1.4.0', requires: { kiln: '>=0.1', 'other-repo': '^1.2' }, path: '/r', file: '/r/kiln-repo.yaml' });
  });
  it('reports every problem with its line', () => {
    const { repo: r, problems } = parse("name: kiln\nversion: 1.4\nrequires:\n  other: 'not a range'\n  'bad name': ^1\ncolour: blue\n");
    assert.equal(r, undefined);
    assert.deepEqual(problems.sort(), [
      "/r/kiln-repo.yaml:1: 'kiln' is Kiln's own name: give the repository another",
      "/r/kiln-repo.yaml:2: 'version' must be a semantic version such as 1.4.0, not 1.4",
      "/r/kiln-repo.yaml:4: requires: other: 'not a range' is not a version range (e.g. ^1.2, >=0.3, 1.x)",
      "/r/kiln-repo.yaml:5: requires: 'bad name' is not a repository name",
      "/r/kiln-repo.yaml:6: unknown key 'colour'",
    ]);
    assert.match(parse('name: [x\n').problems[0] ?? '', /^\/r\/kiln-repo\.yaml:\d+: /);
    assert.deepEqual(parse('- a\n').problems, ['/r/kiln-repo.yaml:1: not a mapping']);
  });

  const dir = mkdtempSync(join(tmpdir(), 'kiln-repos-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  it('is read from the ELEMENTS_PATH entries that have one; a repository twice on the path is an error naming both', () => {
    for (const [d, v] of [
      ['a', '1.0.0'],
      ['b', '2.0.0'],
    ] as const) {
      mkdirSync(join(dir, d));
      writeFileSync(join(dir, d, 'kiln-repo.yaml'), `name: same\nversion: ${v}\n`);
    }
    mkdirSync(join(dir, 'plain'));
    assert.deepEqual(
      readElementRepos([join(dir, 'a'), join(dir, 'plain')]).map((r) => [r.name, r.version]),
      [['same', '1.0.0']],
    );
    assert.throws(
      () => readElementRepos([join(dir, 'a'), join(dir, 'b')]),
      /repository 'same' is on ELEMENTS_PATH twice: 1\.0\.0 \(.*a\/kiln-repo\.yaml\) and 2\.0\.0 \(.*b\/kiln-repo\.yaml\)/,
    );
  });
});

describe('repository requirements', () => {
  it('are met by compatible versions of the other repositories and of Kiln', () => {
    assert.deepEqual(repoRequirementProblems([repo('app', '1.0.0', { kiln: '>=0.1', lib: '^1.2' }), repo('lib', '1.3.7')], '0.1.0'), []);
    assert.doesNotThrow(() => checkRepoRequirements([repo('app', '1.0.0', { kiln: '0.x' })], '0.1.0'));
  });
  it('an incompatible version is refused naming both sides; a missing repository and an old Kiln too', () => {
    const messages = repoRequirementProblems([repo('app', '1.0.0', { lib: '^1.2', gone: '1.x', kiln: '>=0.3' }), repo('lib', '2.0.0')], '0.1.0').map(
      (p) => p.error.message,
    );
    assert.deepEqual(messages, [
      'app 1.0.0 (/p/app/kiln-repo.yaml) requires lib ^1.2, but lib is 2.0.0 (/p/lib/kiln-repo.yaml)',
      'app 1.0.0 (/p/app/kiln-repo.yaml) requires gone 1.x, which is not on ELEMENTS_PATH',
      'app 1.0.0 (/p/app/kiln-repo.yaml) requires kiln >=0.3, but this is kiln 0.1.0',
    ]);
    assert.throws(
      () => checkRepoRequirements([repo('app', '1.0.0', { lib: '^1.2' }), repo('lib', '1.1.0')], '0.1.0'),
      (e: unknown) => {
        assert.ok(e instanceof KilnError && !(e instanceof ValidationErrors));
        assert.match(e.message, /requires lib \^1\.2, but lib is 1\.1\.0/);
        assert.match(e.hint ?? '', /use a version of lib that satisfies \^1\.2, or a version of app that accepts lib 1\.1\.0/);
        return true;
      },
    );
  });
  it('each element is traced to the repository of its ELEMENTS_PATH entry', () => {
    const els = [
      { name: 'x', path: '/p/app/x', deps: [], provides: [] },
      { name: 'base', path: '/k/elements/base', deps: [], provides: [] },
      { name: 'y', path: '/elsewhere/y', deps: [], provides: [] },
    ];
    const sources = elementSources(els, [repo('app', '1.0.0')], { path: '/k/elements', version: '0.1.0' });
    assert.equal(formatElementSources(sources), 'x app 1.0.0 /p/app/x\nbase kiln 0.1.0 /k/elements/base\ny - - /elsewhere/y');
  });
});
