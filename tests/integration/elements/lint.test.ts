// kiln lint against the real dib-lint (DIB's own script, from the test oracle) on a repository of
// planted mistakes: for every check dib-lint makes, the two flag the same files. And the CLI:
// file:line output, exit codes, --json, and Kiln's own elements pass.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { LINT_CHECKS, lintRepository } from '../../../src/elements/lint.js';
import { REPO, runCli } from '../../helpers/cli.js';
import { DIB_ORACLE_PREFIX, dibEnv, dibOracleSkip, PYTHON } from '../../helpers/dib-oracle.js';
import { makeElementTree } from '../../helpers/element-tree.js';

const DIB_LINT = join(DIB_ORACLE_PREFIX, 'usr/bin/dib-lint');
// biome-ignore lint/suspicious/noTemplateCurlyInString: a shell expansion
const TRACE = 'if [ ${DIB_DEBUG_TRACE:-0} -gt 0 ]; then\n    set -x\nfi\n';
const ok = (body: string) => `#!/bin/bash\n${TRACE}set -eu\nset -o pipefail\n\n${body}`;

/** dib-lint's messages, by the check name it uses for them */
const DIB_MESSAGES: [RegExp, string][] = [
  [/lacks a README\.rst/, 'readme'],
  [/is not executable/, 'executable'],
  [/should use 4 spaces indent/, 'indent'],
  [/is not sorted alphabetically/, 'sortdeps'],
  [/only use #!\/bin\/bash/, 'shebang'],
  [/is not set -e$/, 'sete'],
  [/is not set -u$/, 'setu'],
  [/is not set -o pipefail/, 'setpipefail'],
  [/does not follow DIB_DEBUG_TRACE/, 'dibdebugtrace'],
  [/should not set tracing|should not be marked as executable/, 'environment'],
  [/Split export and assignments/, 'exportsubst'],
  [/potentially unsafe sudo/, 'safe_sudo'],
  [/potential use of which/, 'which'],
  [/contains tab characters/, 'tabindent'],
  [/No newline at end of file|does not end with a newline/, 'newline'],
  [/is not a valid YAML file/, 'yaml'],
  [/is not a valid JSON file/, 'pkg-map'],
];

describe('kiln lint', () => {
  let repo: string;
  let shims: string;
  before(() => {
    repo = makeElementTree({
      clean: { deps: ['base'], files: { 'README.rst': 'clean\n=====\n\nFine.\n', 'install.d/50-clean': ok('echo fine\n') } },
      nodoc: { files: { 'install.d/50-nodoc': ok('echo x\n') } },
      unsorted: { deps: ['vm', 'base'], files: { 'README.rst': 'u\n=\n\nx\n' } },
      style: {
        files: {
          'README.rst': 'style\n=====\n\n\tTabbed.\n',
          'install.d/10-noset': `#!/bin/bash\n${TRACE}echo no set\n`,
          'install.d/20-indent': ok('if true; then\n  echo two\nfi\n'),
          'install.d/30-env': '#!/usr/bin/env bash\nset -eu\nset -o pipefail\n# DIB_DEBUG_TRACE\n',
          'install.d/40-export': ok('export NOW=$(date)\n'),
          'install.d/50-which': ok('which ls\n'),
          'install.d/60-nonl': ok('echo no newline'),
          'root.d/10-sudo': ok('sudo rm -rf /etc/thing\nsudo touch "$TARGET_ROOT/ok"\nsudo cp a \\\n    "$TMP_MOUNT_PATH/b"\n'),
          'environment.d/10-trace.bash': 'set -x\nexport A=1\n',
          'environment.d/20-exec.bash': '#!/bin/bash\nexport B=1\n',
          'package-installs.yaml': 'foo:\n  phase: [oops\n',
          'pkg-map': '{"distro": ',
          'source-repository-thing': 'thing git /opt/thing https://example.invalid/thing',
        },
      },
    });
    chmodSync(join(repo, 'style/environment.d/20-exec.bash'), 0o755);
    writeFileSync(join(repo, 'style/install.d/70-noexec'), ok('echo forgot chmod\n'));
    chmodSync(join(repo, 'style/install.d/70-noexec'), 0o644);
    // dib-lint calls `python` (Python 3 here) and `flake8` (only for Python hooks, of which there are none)
    shims = mkdtempSync(join(tmpdir(), 'kiln-dib-lint-'));
    symlinkSync(PYTHON, join(shims, 'python'));
    mkdirSync(join(shims, 'lib'));
  });
  after(() => {
    rmSync(repo, { recursive: true, force: true });
    rmSync(shims, { recursive: true, force: true });
  });

  it("flags the same files as DIB's dib-lint, check by check", { skip: dibOracleSkip() }, () => {
    // dib-lint stops at the first unsorted element-deps (its `diff -y` fails under set -e): that
    // element is compared on its own
    const sorted = mkdtempSync(join(tmpdir(), 'kiln-lint-sorted-'));
    try {
      spawnSync('cp', ['-a', join(repo, 'unsorted'), sorted]);
      rmSync(join(repo, 'unsorted'), { recursive: true });
      const theirs = [...dibLint(repo, true), ...dibLint(sorted, false)].sort();
      const ours = [...kilnLint(repo), ...kilnLint(sorted)].sort();
      assert.ok(theirs.length >= 15, `dib-lint found too little to compare: ${theirs.join(', ')}`);
      assert.deepEqual(ours, theirs);
    } finally {
      spawnSync('cp', ['-a', join(sorted, 'unsorted'), repo]);
      rmSync(sorted, { recursive: true, force: true });
    }
  });

  /** `file check` for each of dib-lint's errors */
  function dibLint(dir: string, toTheEnd: boolean): string[] {
    const r = spawnSync('bash', [DIB_LINT], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...dibEnv(), PATH: `${shims}:${process.env.PATH}`, ELEMENTS_DIR: '.', LIB_DIR: join(shims, 'lib') },
    });
    assert.equal(r.status, 1, `dib-lint should fail on the planted mistakes:\n${r.stdout}${r.stderr}`);
    if (toTheEnd) assert.match(r.stdout, /\*\*\* FAIL: Some tests failed!/, `dib-lint did not run to its end:\n${r.stdout}${r.stderr}`);
    const found = new Set<string>();
    for (const line of r.stdout.split('\n')) {
      if (!line.startsWith('ERROR: ')) continue;
      // the path is the message's first word, or its last ("Split export and assignments in PATH")
      const m = /^ERROR: (?:Environment file |No newline at end of file: |Split export and assignments in )?\.\/(\S+)/.exec(line);
      const check = DIB_MESSAGES.find(([re]) => re.test(line))?.[1];
      assert.ok(m && check, `a dib-lint message this test does not know: ${line}`);
      found.add(`${m[1]} ${check}`);
    }
    return [...found];
  }

  function kilnLint(dir: string): string[] {
    const dibChecks = new Set(DIB_MESSAGES.map(([, c]) => c));
    const found = lintRepository(dir, { known: new Set(['base', 'vm']), cwd: dir })
      .filter((p) => dibChecks.has(p.check))
      .map((p) => `${relative(dir, join(dir, p.file))} ${p.check}`);
    return [...new Set(found)];
  }

  it('prints file:line: error [check], exits 1; --json has the same problems', () => {
    const r = runCli('kiln', ['lint', repo], { cwd: repo });
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stdout, /^style\/install\.d\/20-indent:\d+: error \[indent\] indent by multiples of 4 spaces$/m);
    assert.match(r.stdout, /^style\/install\.d\/70-noexec:1: error \[executable\]/m);
    assert.match(r.stdout, /^style\/install\.d\/70-noexec: warning \[notrun\] will not run: not executable$/m);
    assert.match(r.stderr, /kiln lint: \d+ errors, 1 warning in 1 directory/);
    const j = runCli('kiln', ['lint', '--json', repo], { cwd: repo });
    assert.equal(j.status, 1);
    const parsed = JSON.parse(j.stdout) as { errors: number; warnings: number; problems: { check: string }[] };
    assert.equal(parsed.problems.length, r.stdout.trim().split('\n').length);
    assert.equal(parsed.errors + parsed.warnings, parsed.problems.length);
    assert.ok(parsed.problems.every((p) => p.check in LINT_CHECKS));
  });

  it('--ignore turns checks off; an unknown check name is a usage error with a hint', () => {
    const r = runCli('kiln', ['lint', join(repo, 'unsorted'), '--ignore', 'sortdeps']);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    const bad = runCli('kiln', ['lint', repo, '--ignore', 'sortdep']);
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /unknown check: sortdep/);
    assert.match(bad.stderr, /--list-checks/);
  });

  it("Kiln's own elements pass", () => {
    const r = runCli('kiln', ['lint', join(REPO, 'elements')]);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.equal(r.stdout, '');
  });
});
