// kiln lint: each check fires on a planted mistake, at the right file and line, and stays quiet on a clean element.
import assert from 'node:assert/strict';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { LINT_CHECKS, lintRepository, toxIgnores } from '../../../src/elements/lint.js';
import { makeElementTree, removeTree } from '../../helpers/element-tree.js';

const GOOD_HOOK = `#!/bin/bash

if [ \${DIB_DEBUG_TRACE:-0} -gt 0 ]; then
    set -x
fi
set -eu
set -o pipefail

echo hello
`;
const known = new Set(['base', 'vm']);
const trees: string[] = [];
after(() => trees.forEach(removeTree));

function lint(spec: Parameters<typeof makeElementTree>[0], ignore: string[] = []) {
  const root = makeElementTree(spec);
  trees.push(root);
  return { root, problems: lintRepository(root, { known, ignore: new Set(ignore), cwd: root }) };
}
const summary = (ps: { file: string; line?: number; check: string }[]) => ps.map((p) => `${p.file}${p.line ? `:${p.line}` : ''} ${p.check}`);

describe('kiln lint', () => {
  it('a clean element has no problem', () => {
    const { problems } = lint({ good: { deps: ['base', 'vm'], files: { 'README.rst': 'good\n====\n\nA good element.\n', 'install.d/50-good': GOOD_HOOK } } });
    assert.deepEqual(problems, []);
  });

  it("dib-lint's checks, each at its file and line", () => {
    const hook = GOOD_HOOK.replace('set -eu\n', '').replace('echo hello\n', 'echo hello\n  echo two\nexport X=$(date)\nwhich ls\n\techo tab\n');
    const { root, problems } = lint({
      bad: {
        deps: ['vm', 'base'],
        files: {
          'install.d/50-bad': hook,
          'install.d/60-env-shebang': '#!/usr/bin/env bash\nset -eu\nset -o pipefail\n# DIB_DEBUG_TRACE\n',
          'root.d/10-sudo': `${GOOD_HOOK}sudo rm -rf /etc/foo\nsudo touch $TARGET_ROOT/ok\n`,
          'environment.d/10-x.bash': 'set -x\nexport Y=1\n',
          'package-installs.yaml': 'foo:\n  phase: [oops\n',
          'pkg-map': '{not json',
          'source-repository-x': 'x git /opt/x https://example.invalid/x',
        },
      },
    });
    chmodSync(join(root, 'bad/environment.d/10-x.bash'), 0o755);
    const again = lintRepository(root, { known, cwd: root });
    assert.deepEqual(summary(again).sort(), [
      'bad readme',
      'bad/element-deps sortdeps',
      'bad/environment.d/10-x.bash environment',
      'bad/environment.d/10-x.bash:1 environment',
      'bad/install.d/50-bad sete',
      'bad/install.d/50-bad setu',
      'bad/install.d/50-bad:10 exportsubst',
      'bad/install.d/50-bad:11 which',
      'bad/install.d/50-bad:12 tabindent',
      'bad/install.d/50-bad:9 indent',
      'bad/install.d/60-env-shebang:1 shebang',
      'bad/package-installs.yaml:3 yaml',
      'bad/pkg-map pkg-map',
      'bad/root.d/10-sudo:10 safe_sudo',
      'bad/source-repository-x newline',
    ]);
    assert.ok(problems.length > 0);
    assert.ok(again.every((p) => p.check in LINT_CHECKS));
  });

  it("Kiln's own: dependencies that do not exist (with a suggestion), hooks that would not run, package-installs a build refuses", () => {
    const { problems } = lint({
      e: {
        deps: ['bsae'],
        files: {
          'README.rst': 'e\n=\n\nx\n',
          'install.d/50-noexec': 'echo forgot chmod\n',
          'install.d/data.conf': 'k=v\n',
          'package-installs.yaml': 'foo:\n  phsae: install.d\n',
        },
      },
    });
    const by = (c: string) => problems.filter((p) => p.check === c);
    assert.match(by('deps')[0]!.message, /element 'bsae' not found; did you mean base\?/);
    assert.equal(by('deps')[0]!.line, 1);
    assert.deepEqual(summary(by('notrun')), ['e/install.d/50-noexec notrun'], 'a data file beside the hooks is not flagged');
    assert.equal(by('notrun')[0]!.severity, 'warning');
    assert.equal(by('package-installs').length, 1, JSON.stringify(problems));
    assert.match(by('package-installs')[0]!.message, /package 'foo': unknown key 'phsae'; did you mean phase\?/);
    assert.equal(by('package-installs')[0]!.line, 1);
  });

  it('`# dib-lint: disable=` in a file and tox.ini [dib-lint] ignore turn checks off', () => {
    const hook = '#!/bin/bash\n# dib-lint: disable=setu dibdebugtrace\nset -e\nset -o pipefail\n';
    const { root, problems } = lint({ d: { files: { 'README.rst': 'd\n=\n\nx\n', 'install.d/50-d': hook } } }, ['readme']);
    assert.deepEqual(problems, []);
    writeFileSync(join(root, 'tox.ini'), '[tox]\nenvlist = py3\n\n[dib-lint]\nignore = sete setpipefail\n');
    assert.deepEqual([...toxIgnores(root)], ['sete', 'setpipefail']);
  });

  it('a kiln-repo.yaml with an invalid version is reported at its line', () => {
    const { root } = lint({ r: { files: { 'README.rst': 'r\n=\n\nx\n' } } });
    writeFileSync(join(root, 'kiln-repo.yaml'), 'name: mine\nversion: one\n');
    const problems = lintRepository(root, { known, cwd: root });
    assert.deepEqual(summary(problems), ['kiln-repo.yaml:2 repo']);
  });
});
