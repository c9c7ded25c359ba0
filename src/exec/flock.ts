/**
 * flock(2) on a file descriptor Node holds, through util-linux `flock` (Node has no flock API).
 * A flock lock belongs to the open file description: the child gets our descriptor as its fd 3,
 * locks it and exits, and the lock stays held by Node's descriptor until Kiln closes it or dies
 * (SIGKILL included), with no helper process left running. Node opens files with O_CLOEXEC, so
 * the commands Kiln starts later do not inherit the descriptor (and cannot keep the lock).
 */
import { spawnSync } from 'node:child_process';
import { KilnError } from '../errors.js';

const BUSY = 75;

/** Try to take an exclusive lock on `fd` without waiting: true when taken, false when held elsewhere. */
export function tryLockExclusive(fd: number): boolean {
  const r = spawnSync('flock', ['--nonblock', '--exclusive', '--conflict-exit-code', String(BUSY), '3'], {
    stdio: ['ignore', 'ignore', 'pipe', fd], encoding: 'utf8',
  });
  if (r.error) {
    const missing = (r.error as NodeJS.ErrnoException).code === 'ENOENT';
    throw new KilnError(missing ? 'flock: command not found' : `flock: ${r.error.message}`, { hint: 'install util-linux', cause: r.error });
  }
  if (r.status === 0) return true;
  if (r.status === BUSY) return false;
  throw new Error(`flock --nonblock --exclusive 3 failed (${r.status ?? r.signal}): ${r.stderr.trim()}`);
}
