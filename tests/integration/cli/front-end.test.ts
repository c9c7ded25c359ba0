// The `kiln` front end behaves like a mature CLI: --version, -h/--help on every command, the build's
// options under `kiln build --help` and `kiln plan --help`, and `kiln elements NAME` showing only
// the scripts a build runs, with the files it does not run and why.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { REPO, runCli } from '../../helpers/cli.js';

const version = (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string }).version;

describe('kiln front end', () => {
  it('--version prints the version of package.json', () => {
    const r = runCli('kiln', ['--version']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), version);
    const d = runCli('disk-image-create', ['--version']);
    assert.equal(d.status, 0, d.stderr);
    assert.match(d.stdout, new RegExp(version.replace(/\./g, '\\.')));
  });

  for (const args of [
    ['-h'],
    ['--help'],
    ['elements', '-h'],
    ['boot-test', '-h'],
    ['cache', '-h'],
    ['block-device', 'create', '-h'],
    ['plan', 'block-device', '--help'],
    ['plan', 'block-device', '-h'],
    ['doctor', '-h'],
    ['completion', '--help'],
  ]) {
    it(`kiln ${args.join(' ')} prints help and exits 0`, () => {
      const r = runCli('kiln', args);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /^kiln /m);
      assert.doesNotMatch(r.stdout, /--help, --help/, 'the help option listed once');
      assert.equal(r.stderr, '');
    });
  }

  for (const cmd of ['build', 'plan']) {
    for (const flag of ['-h', '--help']) {
      it(`kiln ${cmd} ${flag} lists the build options as text, named after kiln ${cmd}`, () => {
        const r = runCli('kiln', [cmd, flag]);
        assert.equal(r.status, 0, r.stderr);
        assert.match(r.stdout, new RegExp(`^NAME\\n    kiln ${cmd} - `));
        for (const opt of ['--image-size', '-t TYPES', '--logfile', 'ELEMENTS_PATH']) assert.ok(r.stdout.includes(opt), `${opt} in kiln ${cmd} ${flag}`);
        assert.doesNotMatch(r.stdout, /^\{/, 'not wrapped in JSON');
      });
    }
  }

  it('a reader that stops early (kiln plan | head -c 1) is not an error: no stack trace, exit 0', () => {
    for (const cmd of ['kiln plan busybox-minimal', 'kiln elements', 'element-info busybox-minimal']) {
      const r = spawnSync('bash', ['-c', `set -o pipefail; ${join(REPO, 'bin')}/${cmd} | head -c 1 >/dev/null`], { encoding: 'utf8' });
      assert.equal(r.status, 0, `${cmd}: ${r.stderr}`);
      assert.doesNotMatch(r.stderr, /EPIPE|at .*\.js:\d+/, cmd);
    }
  });
  it('kiln plan still prints JSON for elements', () => {
    const r = runCli('kiln', ['plan', '-n', 'busybox-minimal']);
    assert.equal(r.status, 0, r.stderr);
    assert.ok(Array.isArray((JSON.parse(r.stdout) as { requested: unknown }).requested));
  });
});

describe('kiln elements NAME', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kiln-elements-cli-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const el = join(dir, 'demo');
  mkdirSync(join(el, 'install.d'), { recursive: true });
  mkdirSync(join(el, 'environment.d'));
  writeFileSync(join(el, 'README.rst'), '====\ndemo\n====\n\nA demonstration element.\n');
  for (const [f, mode] of [
    ['10-runs', 0o755],
    ['20-not-executable', 0o644],
    ['30-bad.sh', 0o755],
  ] as const) {
    writeFileSync(join(el, 'install.d', f), '#!/bin/sh\n');
    chmodSync(join(el, 'install.d', f), mode);
  }
  writeFileSync(join(el, 'environment.d', '10-demo.bash'), 'export DEMO=1\n');

  it('lists the scripts that run, and the files that do not with why', () => {
    const r = runCli('kiln', ['elements', 'demo'], { env: { ELEMENTS_PATH: dir } });
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.split('\n');
    assert.equal(lines[1], '  A demonstration element.', 'the README summary, without the rst title adornment');
    assert.ok(lines.includes('  install.d: 10-runs'), r.stdout);
    assert.ok(lines.includes('  environment.d: 10-demo.bash'), r.stdout);
    assert.ok(lines.includes('  not run: install.d/20-not-executable (not executable)'), r.stdout);
    assert.ok(lines.includes('  not run: install.d/30-bad.sh (name does not match ^[0-9A-Za-z_-]+$)'), r.stdout);
  });

  it('--json has the same facts', () => {
    const r = runCli('kiln', ['elements', 'demo', '--json'], { env: { ELEMENTS_PATH: dir } });
    assert.equal(r.status, 0, r.stderr);
    const j = JSON.parse(r.stdout) as { hooks: Record<string, string[]>; notRun: { file: string }[]; summary: string };
    assert.deepEqual(j.hooks, { 'install.d': ['10-runs'] });
    assert.deepEqual(
      j.notRun.map((n) => n.file),
      ['install.d/20-not-executable', 'install.d/30-bad.sh'],
    );
    assert.equal(j.summary, 'A demonstration element.');
  });
});
