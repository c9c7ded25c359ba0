// What an operator sees on a terminal (a pty from script(1), so the progress display is on) and
// with -x: a failing hook's output every time, the elapsed time of a running script, empty phases
// folded into one line, and the files
// that do not run as hooks named with why.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { BIN, runCli } from '../../helpers/cli.js';
import { findTool } from '../../helpers/host-tools.js';

/** Runs a shell command line on a pty of 120 columns; the output as the terminal got it, escapes removed. */
function onTerminal(cmdline: string, env: Record<string, string>): { status: number; text: string } {
  const e = { ...process.env, ...env } as Record<string, string>;
  delete e.CI; // CI=true turns the progress display off
  const r = spawnSync('script', ['-qec', `stty cols 120 rows 50; ${cmdline}`, '/dev/null'], { env: e, encoding: 'utf8', timeout: 300_000 });
  const text = (r.stdout ?? '')
    // biome-ignore lint/suspicious/noControlCharactersInRegex: terminal escapes
    .replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '')
    .replace(/\r/g, '');
  return { status: r.status ?? -1, text };
}

describe('on a terminal', { skip: !findTool('script') && process.env.CI !== 'true' ? 'script(1) (util-linux) not installed' : false }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'kiln-terminal-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const els = join(dir, 'elements');
  const el = join(els, 'fails-loudly');
  mkdirSync(join(el, 'install.d'), { recursive: true });
  writeFileSync(join(el, 'element-deps'), 'busybox-minimal\n');
  writeFileSync(join(el, 'install.d', '50-fail'), '#!/bin/sh\necho "line on stdout from the hook"\necho "line on stderr from the hook" >&2\nexit 3\n');
  chmodSync(join(el, 'install.d', '50-fail'), 0o755);
  writeFileSync(join(el, 'install.d', '60-not-run.sh'), '#!/bin/sh\n');
  chmodSync(join(el, 'install.d', '60-not-run.sh'), 0o755);

  it("a failing hook's output is in the error, every time (5 runs)", () => {
    for (let i = 0; i < 5; i++) {
      const r = onTerminal(`${join(BIN, 'disk-image-create')} -n fails-loudly -t tar -o ${join(dir, `f${i}`)}`, { ELEMENTS_PATH: els, TMP_DIR: dir });
      assert.equal(r.status, 1, r.text);
      assert.match(r.text, /install\.d\/50-fail of element 'fails-loudly' failed with exit code 3; its last output:\n/, `run ${i}: ${r.text}`);
      assert.match(r.text, /^ {4}line on stdout from the hook$/m, `run ${i}`);
      assert.match(r.text, /^ {4}line on stderr from the hook$/m, `run ${i}`);
    }
  });

  it('a running script shows the seconds it has taken', () => {
    const slow = join(els, 'slow-hook');
    mkdirSync(join(slow, 'install.d'), { recursive: true });
    writeFileSync(join(slow, 'install.d', '50-slow'), '#!/bin/sh\nsleep 3.5\n');
    chmodSync(join(slow, 'install.d', '50-slow'), 0o755);
    const r = onTerminal(`${join(BIN, 'disk-image-create')} -n busybox-minimal slow-hook -t tar -o ${join(dir, 'slow')}`, { ELEMENTS_PATH: els, TMP_DIR: dir });
    assert.equal(r.status, 0, r.text);
    assert.match(r.text, /50-slow \(2 s\)/);
  });

  it('consecutive phases without scripts are folded into one line', () => {
    // every phase runs: no layer from an earlier build of the same elements
    const r = onTerminal(`${join(BIN, 'disk-image-create')} -n busybox-minimal -t tar -o ${join(dir, 'ok')}`, { TMP_DIR: dir, KILN_NO_LAYER_CACHE: '1' });
    assert.equal(r.status, 0, r.text);
    assert.doesNotMatch(r.text, /^\S+ no scripts$/m, 'no anonymous "no scripts" line');
    assert.match(r.text, /\d phases without scripts: pre-install\.d, install\.d, post-install\.d/);
    assert.match(r.text, /Build completed successfully/);
  });
});

describe('-x', () => {
  it('names the files of phase directories that do not run, with why', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kiln-trace-'));
    after(() => rmSync(dir, { recursive: true, force: true }));
    const el = join(dir, 'els', 'skips');
    mkdirSync(join(el, 'install.d'), { recursive: true });
    writeFileSync(join(el, 'install.d', '10-bad.sh'), '#!/bin/sh\nexit 1\n');
    chmodSync(join(el, 'install.d', '10-bad.sh'), 0o755);
    writeFileSync(join(el, 'install.d', '20-off'), '#!/bin/sh\nexit 1\n');
    const r = runCli('disk-image-create', ['-x', '-n', 'busybox-minimal', 'skips', '-t', 'tar', '-o', join(dir, 'x')], {
      env: { ELEMENTS_PATH: join(dir, 'els'), TMP_DIR: dir },
    });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /not run: skips\/install\.d\/10-bad\.sh \(name does not match/);
    assert.match(r.stderr, /not run: skips\/install\.d\/20-off \(not executable\)/);
    const quiet = runCli('disk-image-create', ['-n', 'busybox-minimal', 'skips', '-t', 'tar', '-o', join(dir, 'y')], {
      env: { ELEMENTS_PATH: join(dir, 'els'), TMP_DIR: dir },
    });
    assert.equal(quiet.status, 0, quiet.stderr);
    assert.doesNotMatch(quiet.stderr, /not run:/, 'only with -x');
  });
});
