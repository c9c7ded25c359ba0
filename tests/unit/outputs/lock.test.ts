// The output lock across processes: a second build fails at once naming the holder; --wait waits;
// a holder killed with SIGKILL (or one whose children live on) leaves the lock free; no file is ever made.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { KilnError } from '../../../src/errors.js';
import { MemoryLogger, silentLogger } from '../../../src/log.js';
import { acquireOutputLock, lockName } from '../../../src/outputs/lock.js';

const HOLDER = join(dirname(fileURLToPath(import.meta.url)), 'lock-holder.js');
const root = mkdtempSync(join(tmpdir(), 'kiln-lock-'));
const children: ChildProcess[] = [];
after(() => {
  for (const c of children) c.kill('SIGKILL');
  rmSync(root, { recursive: true, force: true });
});

/** Start a process holding the lock of root/NAME; resolves once it holds it, with what it printed. */
function holder(name: string, mode?: string): Promise<{ child: ChildProcess; out: string }> {
  const child = spawn(process.execPath, [HOLDER, root, name, ...(mode ? [mode] : [])], { stdio: ['pipe', 'pipe', 'inherit'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('locked\n')) resolve({ child, out });
    });
    child.on('exit', (code) => reject(new Error(`lock holder exited ${code}: ${out}`)));
  });
}

const exited = (c: ChildProcess) => new Promise<void>((r) => (c.exitCode !== null || c.signalCode !== null ? r() : c.once('exit', () => r())));

describe('the output lock', () => {
  it('a second taker fails at once, naming the path and the holder, with the --wait hint', async () => {
    const { child } = await holder('a');
    const t = Date.now();
    await assert.rejects(acquireOutputLock(root, 'a', { wait: false, log: silentLogger }), (e: unknown) => {
      assert.ok(e instanceof KilnError);
      assert.equal(e.exitCode, 1);
      assert.match(e.message, new RegExp(`another build \\(pid ${child.pid}\\) is writing ${root}/a\\.\\*`));
      assert.match(e.hint ?? '', /--wait/);
      return true;
    });
    assert.ok(Date.now() - t < 2000, 'fails fast');
    // another name in the same directory is not blocked
    await (await acquireOutputLock(root, 'a.b', { wait: false, log: silentLogger })).release();
    child.stdin!.write('release\n');
    await exited(child);
    await (await acquireOutputLock(root, 'a', { wait: false, log: silentLogger })).release();
    assert.deepEqual(
      readdirSync(root).filter((f) => f.includes('lock')),
      [],
      'the lock is no file',
    );
  });

  it('with wait, waits until the holder releases', async () => {
    const { child } = await holder('w');
    const log = new MemoryLogger();
    const t = Date.now();
    setTimeout(() => child.stdin!.write('release\n'), 700);
    const lock = await acquireOutputLock(root, 'w', { wait: true, log, pollMs: 50 });
    assert.ok(Date.now() - t >= 600, `waited ${Date.now() - t} ms`);
    assert.match(log.text(), new RegExp(`waiting for another build \\(pid ${child.pid}\\)`));
    await lock.release();
    await lock.release(); // idempotent
  });

  it('is free again when the holder is killed with SIGKILL, even if its children live on, and leaves no file', async () => {
    const { child, out } = await holder('k', 'spawn-sleep');
    const sleepPid = Number(/sleep (\d+)/.exec(out)![1]);
    child.kill('SIGKILL');
    await exited(child);
    try {
      assert.deepEqual(
        readdirSync(root).filter((f) => f.startsWith('.k')),
        [],
        'a SIGKILLed build leaves nothing',
      );
      process.kill(sleepPid, 0); // its child is still running
      const lock = await acquireOutputLock(root, 'k', { wait: false, log: silentLogger });
      await lock.release();
    } finally {
      process.kill(sleepPid, 'SIGKILL');
    }
  });

  it('sweeps the temporary outputs that killed builds of that name left', async () => {
    const stale = join(root, '.s.kiln-tmp-0123456789abcdef.qcow2');
    const other = join(root, '.s2.kiln-tmp-0123456789abcdef.qcow2');
    writeFileSync(stale, 'half an image');
    writeFileSync(other, 'another name');
    const log = new MemoryLogger();
    const lock = await acquireOutputLock(root, 's', { wait: false, log });
    assert.ok(!existsSync(stale));
    assert.ok(existsSync(other));
    assert.match(log.text(), /removed .*\.s\.kiln-tmp-0123456789abcdef\.qcow2, left by an interrupted build/);
    await lock.release();
  });

  it('every path to the output directory meets the same lock (a symlink to it, a relative path)', async () => {
    const real = join(root, 'real');
    mkdirSync(real);
    symlinkSync(real, join(root, 'via-link'));
    assert.equal(lockName(join(root, 'via-link'), 'x'), lockName(real, 'x'));
    assert.notEqual(lockName(real, 'x'), lockName(real, 'y'));
    const lock = await acquireOutputLock(real, 'x', { wait: false, log: silentLogger });
    await assert.rejects(acquireOutputLock(join(root, 'via-link'), 'x', { wait: false, log: silentLogger }), /another build \(pid \d+\)/);
    await lock.release();
    assert.ok(existsSync(real));
  });
});
