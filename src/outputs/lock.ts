/**
 * The output lock: one build at a time per output name (output directory + image name), taken
 * before the build does any work and held until it ends. The lock file is `.NAME.kiln-lock`
 * beside the outputs: there, every path that reaches the same directory (symlinks, bind mounts,
 * relative -o) meets the same file, and any host or container writing there sees it. It holds
 * the holder's pid, for the message of the build that finds it taken. The lock itself is flock(2)
 * (exec/flock.ts), so a build killed with SIGKILL releases it; the file then stays, and the next
 * build reuses it. Holding the lock, every temporary file of that output name is stale by
 * definition, and is swept.
 */
import { closeSync, constants, fstatSync, ftruncateSync, lstatSync, mkdirSync, openSync, readSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { KilnError } from '../errors.js';
import { tryLockExclusive } from '../exec/flock.js';
import type { Logger } from '../log.js';
import { sweepStaleTemps } from './temp.js';

export interface OutputLock {
  path: string;
  /** unlock and remove the lock file; idempotent */
  release(): void;
}

export interface LockOptions {
  /** wait for the other build instead of failing (--wait) */
  wait: boolean;
  log: Logger;
  /** how often a waiting build tries again */
  pollMs?: number;
}

export function lockPath(outDir: string, imageName: string): string {
  return join(outDir, `.${imageName}.kiln-lock`);
}

function openLockFile(path: string): number {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDWR | constants.O_CREAT | constants.O_NOFOLLOW, 0o644);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new KilnError(`cannot open the output lock ${path}: ${code === 'ELOOP' ? 'it is a symlink' : (e as Error).message}`, {
      hint: code === 'ELOOP' ? 'remove that symlink (Kiln never follows one there)' : 'the output directory must be writable', cause: e,
    });
  }
  if (!fstatSync(fd).isFile()) {
    closeSync(fd);
    throw new KilnError(`the output lock ${path} is not a regular file`, { hint: 'remove it' });
  }
  return fd;
}

/** Does `path` still name the file open as `fd`? (The holder before us removes it when done.) */
function stillNamed(fd: number, path: string): boolean {
  try {
    const a = fstatSync(fd);
    const b = lstatSync(path);
    return a.dev === b.dev && a.ino === b.ino;
  } catch {
    return false;
  }
}

function holderOf(fd: number): string {
  const b = Buffer.alloc(64);
  const n = readSync(fd, b, 0, b.length, 0);
  const pid = /^(\d+)\n/.exec(b.subarray(0, n).toString())?.[1];
  return pid ? `pid ${pid}` : 'pid unknown';
}

/**
 * Take the lock of the outputs `outDir/imageName.*` (creating `outDir`). Busy: a KilnError naming
 * the other build, or with `wait`, wait for it. Then sweep stale temporary outputs of that name.
 */
export async function acquireOutputLock(outDir: string, imageName: string, opts: LockOptions): Promise<OutputLock> {
  try {
    mkdirSync(outDir, { recursive: true });
  } catch (e) {
    throw new KilnError(`cannot create the output directory ${outDir}: ${(e as Error).message}`, { hint: 'check -o', cause: e });
  }
  const path = lockPath(outDir, imageName);
  const outputs = join(outDir, imageName);
  let waiting = false;
  for (;;) {
    const fd = openLockFile(path);
    let state: 'held' | 'stale' | 'busy';
    let holder = '';
    try {
      // locked, but removed by the build before us: not the lock any more; try the new file
      state = tryLockExclusive(fd) ? (stillNamed(fd, path) ? 'held' : 'stale') : 'busy';
      if (state === 'held') {
        ftruncateSync(fd, 0);
        writeSync(fd, `${process.pid}\n`, 0);
      } else if (state === 'busy') holder = holderOf(fd);
    } catch (e) {
      closeSync(fd);
      throw e;
    }
    if (state === 'held') {
      const lock = lockHandle(fd, path);
      for (const p of sweepStaleTemps(outDir, imageName)) opts.log.info(`removed ${p}, left by an interrupted build`);
      return lock;
    }
    closeSync(fd);
    if (state === 'stale') continue;
    if (!opts.wait) {
      throw new KilnError(`another build (${holder}) is writing ${outputs}.* (lock ${path})`, {
        hint: 'wait for it to finish, or pass --wait (KILN_WAIT=1) to wait for it; or choose another -o',
      });
    }
    // a warning: shown even behind a progress display, where a silent wait would look like a hang
    if (!waiting) opts.log.warn(`waiting for another build (${holder}) writing ${outputs}.* to finish (--wait)`);
    waiting = true;
    await sleep(opts.pollMs ?? 250);
  }
}

function lockHandle(fd: number, path: string): OutputLock {
  let open = true;
  return {
    path,
    release() {
      if (!open) return;
      open = false;
      // remove while still holding it: a build waiting on this file then sees it is gone and retries
      try {
        if (stillNamed(fd, path)) unlinkSync(path);
      } finally {
        closeSync(fd);
      }
    },
  };
}
