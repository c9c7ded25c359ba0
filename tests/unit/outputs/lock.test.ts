// The output lock across processes: a second build fails at once naming the holder; --wait waits;
// a holder killed with SIGKILL (or one whose children live on) leaves the lock free.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { KilnError } from '../../../src/errors.js';
import { MemoryLogger, silentLogger } from '../../../src/log.js';
import { acquireOutputLock, lockPath } from '../../../src/outputs/lock.js';

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
      assert.match(e.message, /\.a\.kiln-lock/);
      assert.match(e.hint ?? '', /--wait/);
      return true;
    });
    assert.ok(Date.now() - t < 2000, 'fails fast');
    // another name in the same directory is not blocked
    (await acquireOutputLock(root, 'a.b', { wait: false, log: silentLogger })).release();
    child.stdin!.write('release\n');
    await exited(child);
    assert.ok(!existsSync(lockPath(root, 'a')), 'released: the lock file is removed');
  });

  it('with wait, waits until the holder releases', async () => {
    const { child } = await holder('w');
    const log = new MemoryLogger();
    const t = Date.now();
    setTimeout(() => child.stdin!.write('release\n'), 700);
    const lock = await acquireOutputLock(root, 'w', { wait: true, log, pollMs: 50 });
    assert.ok(Date.now() - t >= 600, `waited ${Date.now() - t} ms`);
    assert.match(log.text(), new RegExp(`waiting for another build \\(pid ${child.pid}\\)`));
    lock.release();
    lock.release(); // idempotent
  });

  it('is free again when the holder is killed with SIGKILL, even if its children live on; the file is reused', async () => {
    const { child, out } = await holder('k', 'spawn-sleep');
    const sleepPid = Number(/sleep (\d+)/.exec(out)![1]);
    child.kill('SIGKILL');
    await exited(child);
    try {
      assert.ok(existsSync(lockPath(root, 'k')), 'a SIGKILLed build leaves its lock file');
      process.kill(sleepPid, 0); // its child is still running
      const lock = await acquireOutputLock(root, 'k', { wait: false, log: silentLogger });
      lock.release();
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
    lock.release();
  });

  it('never follows a symlink at the lock path', async () => {
    const target = join(root, 'victim');
    writeFileSync(target, 'keep me\n');
    symlinkSync(target, lockPath(root, 'l'));
    await assert.rejects(acquireOutputLock(root, 'l', { wait: false, log: silentLogger }), /is a symlink/);
    assert.equal(readFileSync(target, 'utf8'), 'keep me\n');
  });
});
