/** `kiln boot-test` as a user runs it: failure output, exit codes, nothing left behind. */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { findTool } from '../../helpers/host-tools.js';
import { signalExitCode } from '../../../src/errors.js';
import { processesMentioning, runCli } from '../../helpers/cli.js';
import { sleep, startKiln, waitFor } from '../../helpers/interrupt.js';

const skip = !findTool('qemu-system-x86_64') && process.env.CI !== 'true' ? 'qemu-system-x86_64 is not installed' : false;
const tmp = mkdtempSync(join(tmpdir(), 'kiln-boot-test-cli-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
const ours = () =>
  readdirSync(tmpdir())
    .filter((f) => /^kiln-boot-tmp-\d+\.\d+-[A-Za-z0-9]{6}$/.test(f))
    .sort();

/** `kiln boot-test` of an unbootable disk, signalled once QEMU runs; resolves with its exit. */
async function interrupted(image: string, sig: NodeJS.Signals): Promise<{ code: number | null; signal: string | null; stderr: string }> {
  const run = startKiln('kiln', ['boot-test', image, '--timeout', '60', '--accel', 'tcg'], {}, image);
  await waitFor(() => processesMentioning(image).some((l) => l.includes('qemu-system')), 30_000, 'QEMU to start');
  process.kill(run.child.pid!, sig);
  const end = await run.exited;
  await sleep(1000);
  return { ...end, stderr: run.stderr() };
}

describe('kiln boot-test', { skip }, () => {
  it('an unbootable disk: exit 1 with the firmware lines, the log path, and nothing left running', () => {
    const image = join(tmp, 'empty.img');
    writeFileSync(image, Buffer.alloc(1 << 20));
    const before = ours();
    const log = join(tmp, 'console.log');
    const r = runCli('kiln', ['boot-test', image, '--timeout', '4', '--accel', 'tcg', '--log', log]);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /boot test of .*empty\.img failed: no match for \/login:\/ within 4 s/);
    assert.match(r.stderr, /last firmware lines:[\s\S]*No bootable device/);
    assert.ok(r.stderr.includes(`full console log: ${log}`));
    assert.ok(existsSync(log));
    assert.deepEqual(processesMentioning(image), []);
    assert.deepEqual(ours(), before, 'temp directories removed');
  });
  for (const sig of ['SIGHUP', 'SIGTERM'] as const) {
    it(`${sig}: QEMU stopped, temp files removed, exit ${signalExitCode(sig)}`, async () => {
      const image = join(tmp, `sig-${sig}.img`);
      writeFileSync(image, Buffer.alloc(1 << 20));
      const before = ours();
      const r = await interrupted(image, sig);
      assert.equal(r.code, signalExitCode(sig), r.stderr);
      assert.match(r.stderr, new RegExp(`boot-test interrupted by ${sig}; console log: `));
      assert.deepEqual(processesMentioning(image), []);
      assert.deepEqual(ours(), before, 'temp directories removed');
    });
  }
  it('SIGKILL: QEMU dies with it; the next boot test removes the temp directory it left', async () => {
    const image = join(tmp, 'killed.img');
    writeFileSync(image, Buffer.alloc(1 << 20));
    const before = ours();
    const r = await interrupted(image, 'SIGKILL');
    assert.equal(r.signal, 'SIGKILL');
    assert.deepEqual(processesMentioning(image), [], 'QEMU died with Kiln');
    assert.equal(ours().length, before.length + 1, 'the killed run left its temp directory');
    runCli('kiln', ['boot-test', join(tmp, 'missing.img'), '--accel', 'tcg']);
    assert.deepEqual(ours(), before, 'swept by the next run');
  });
  it('usage errors exit 2', () => {
    assert.equal(runCli('kiln', ['boot-test', join(tmp, 'x'), '--expect', '(']).status, 2);
    assert.equal(runCli('kiln', ['boot-test', join(tmp, 'x'), '--timeout', '0']).status, 2);
    assert.equal(runCli('kiln', ['boot-test', join(tmp, 'x'), '--check', 'true', '--check-timeout', '0']).status, 2);
    const empty = runCli('kiln', ['boot-test', join(tmp, 'x'), '--check', 'true', '--check', ' ']);
    assert.equal(empty.status, 2);
    assert.match(empty.stderr, /--check needs a command/);
  });
  it('a missing image is a user error', () => {
    const r = runCli('kiln', ['boot-test', join(tmp, 'missing.img'), '--accel', 'tcg']);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /image not found/);
  });
});
