// Bad input gives a short error naming the element or file, exit code 1 (2 for usage), no stack
// trace, and leaves no process or mount behind.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { makeElementTree, removeTree } from '../../helpers/element-tree.js';
import { spawn } from 'node:child_process';
import { BIN, FIXTURE_ELEMENTS, mountPoints, processesMentioning, runCli } from '../../helpers/cli.js';

const tmp = mkdtempSync(join(tmpdir(), 'kiln-errors-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
const mountsBefore = mountPoints();

function expectUserError(r: { status: number; stderr: string }, message: RegExp, code = 1): void {
  assert.equal(r.status, code, `exit code; stderr:\n${r.stderr}`);
  assert.match(r.stderr, message);
  assert.doesNotMatch(r.stderr, /\n\s+at .+:\d+:\d+/, 'no stack trace');
  assert.ok(r.stderr.split('\n').length < 25, `short message, got:\n${r.stderr}`);
}

describe('disk-image-create errors', () => {
  const elements = makeElementTree({
    'needs-ghost': { deps: ['busybox-minimal', 'ghost'] },
    'second-os': { provides: ['operating-system'] },
    'bad-hook': { deps: ['busybox-minimal'], files: { 'install.d/50-bad': '#!/bin/sh\necho "about to fail"\nsleep 0.1\nexit 7\n' } },
    'slow-hook': { deps: ['busybox-minimal'], files: { 'post-install.d/10-slow': '#!/bin/sh\nsleep 600 &\nexit 9\n' } },
    'bad-packages': { deps: ['busybox-minimal'], files: { 'package-installs.yaml': 'vim:\n  phase: install.d\n   bad: indent\n' } },
    'should-fail': { deps: ['busybox-minimal'], files: { 'install.d/50-check': '#!/bin/sh\ntouch /tmp/dib-test-should-fail\nexit 1\n' } },
    'sleepy-hook': { deps: ['busybox-minimal'], files: { 'install.d/10-sleepy': '#!/bin/sh\necho sleeping\nsleep 777\n' } },
    'bash-hook': { deps: ['busybox-minimal'], files: { 'install.d/50-needs-bash': '#!/bin/bash\necho never\n' } },
  });
  after(() => removeTree(elements));
  const env = { ELEMENTS_PATH: `${elements}:${FIXTURE_ELEMENTS}`, TMP_DIR: tmp };
  const dic = (...args: string[]) => runCli('disk-image-create', ['-t', 'tar', '-o', join(tmp, 'out'), ...args], { env });

  it('an in-target script whose interpreter the tree lacks: names the script, the interpreter and the way out', () => {
    const r = dic('-n', 'bash-hook');
    expectUserError(r, /install\.d\/50-needs-bash of element 'bash-hook' failed with exit code 127/);
    assert.match(r.stderr, /install\.d\/50-needs-bash is a \/bin\/bash script, and \/bin\/bash is not in this tree/);
    assert.match(r.stderr, /hint: the image's tree lacks the script's interpreter/);
    assert.doesNotMatch(r.stderr, /never/);
  });
  it('names the chain that required a missing element', () => {
    expectUserError(dic('-n', 'needs-ghost'), /Element 'ghost' not found \(required by needs-ghost\)/);
  });
  it('refuses two providers of one name', () => {
    expectUserError(dic('-n', 'busybox-minimal', 'second-os'), /operating-system: already provided by/);
  });
  it('refuses a build without an operating-system element', () => {
    expectUserError(dic('-n', 'install-bin'), /Please include an operating system element/);
  });
  it('names the failing hook, its element and its output, and keeps the workspace', () => {
    const r = dic('-n', 'bad-hook');
    expectUserError(r, /install\.d\/50-bad of element 'bad-hook' failed with exit code 7/);
    assert.match(r.stderr, /about to fail/);
    assert.match(r.stderr, /workspace is kept for debugging: \S+kiln-/);
  });
  it('leaves no process behind when a hook fails with a child still running', () => {
    const r = dic('-n', 'slow-hook');
    expectUserError(r, /10-slow of element 'slow-hook' failed with exit code 9/);
    assert.deepEqual(processesMentioning('sleep 600'), []);
  });
  it('cleans up on SIGINT: no process left, exit 130, the workspace named', async () => {
    const child = spawn(join(BIN, 'disk-image-create'), ['-t', 'tar', '-o', join(tmp, 'int'), '-n', 'sleepy-hook'], {
      env: { ...process.env, CI: 'true', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      out += d.toString();
    });
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        if (processesMentioning('sleep 777').length > 0) {
          clearInterval(poll);
          resolve();
        }
      }, 100);
    });
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    assert.equal(code, 130, out);
    assert.match(out, /interrupted \(SIGINT\)/);
    assert.match(out, /workspace is kept for debugging: \S+kiln-/);
    assert.deepEqual(processesMentioning('sleep 777'), []);
  });
  it('names the malformed package-installs.yaml and its line, before the build starts', () => {
    const r = dic('-n', 'bad-packages');
    expectUserError(r, /bad-packages\/package-installs\.yaml:\d+/);
    assert.doesNotMatch(r.stderr, /workspace is kept/, 'refused before a workspace was made');
  });
  it("runs break_cmd after an error, outside the tree, as DIB's functional tests use it", () => {
    const sentinel = join(tmp, 'sentinel');
    const r = runCli('disk-image-create', ['-t', 'tar', '-o', join(tmp, 'brk'), '-n', 'should-fail'], {
      env: { ...env, break: 'after-error', break_outside_target: '1', break_cmd: `cp "$TMP_MOUNT_PATH/tmp/dib-test-should-fail" ${sentinel}` },
    });
    expectUserError(r, /50-check of element 'should-fail' failed/);
    assert.ok(existsSync(sentinel), 'break_cmd ran with TMP_MOUNT_PATH and copied the sentinel out');
  });
  it('gives usage errors exit code 2', () => {
    expectUserError(runCli('disk-image-create', ['--bogus']), /unrecognized option '--bogus'/, 2);
    expectUserError(runCli('disk-image-create', []), /At least one distribution root element must be specified/, 2);
  });
  it('left the mount table as it was', () => {
    assert.deepEqual(mountPoints(), mountsBefore);
  });
});
