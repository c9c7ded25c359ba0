/**
 * Mounts that host-phase hooks leave under the workspace. Host phases run in the host's mount
 * namespace (as DIB runs them), so a hook's `mount --bind HOST_DIR $TARGET_ROOT/...` (DIB's dpkg
 * element binds the host's apt cache so) reaches the host's mount table; removing the workspace
 * while it is mounted would delete HOST_DIR's files. Everything here finds mounts in
 * /proc/self/mountinfo, never by comparing st_dev (same-filesystem bind mounts share it).
 */
import { existsSync, rmSync } from 'node:fs';
import { KilnError } from '../errors.js';
import type { Runner } from '../exec/runner.js';
import type { Logger } from '../log.js';
import { mountsUnder, readMountInfo, realDir, type MountEntry } from './mountinfo.js';

export interface UnmountContext {
  runner: Runner;
  log: Logger;
  /** the mount table; /proc/self/mountinfo unless a test gives another */
  readMounts?: () => MountEntry[];
}

/**
 * Unmount everything at or under `dir`, the last mounted first (the end of the table), re-reading
 * the table after each: a mount hidden under a later one surfaces only when that one is gone, and
 * a mount may vanish with another (propagation). Returns the mount points unmounted; throws a
 * KilnError naming the first mount that stays (unprivileged: someone else's mount, EPERM).
 *
 * - A mount whose parent mount under `dir` is shared (`shared:N`: every systemd host's `/` is) is
 *   unmounted only after that parent is made private: an unmount propagates to the peers of the
 *   parent, and a hook's `mount --rbind /dev $TARGET_ROOT/dev` makes the tree's dev/pts sit where
 *   the host's /dev/pts sits in a peer, so unmounting the copy would unmount the host's.
 * - Plain `umount` first, so a clean unmount is the normal case. Only if that fails with the
 *   mount still there (busy: some process outside the hook's pid namespace still uses it) is it
 *   detached lazily (`umount -l`), with a warning: the mount leaves the workspace at once, so no
 *   removal can reach through it, and the kernel frees it when its last user is gone. DIB always
 *   runs `umount -fl` and ignores failures; `-f` only aborts requests to an unreachable network
 *   server, so it is not used, and a failure is never ignored.
 */
export async function unmountUnder(ctx: UnmountContext, dir: string): Promise<string[]> {
  const read = ctx.readMounts ?? (() => readMountInfo());
  const real = realDir(dir);
  const done: string[] = [];
  for (;;) {
    const table = read();
    const m = mountsUnder(table, real).at(-1);
    if (!m) return done;
    const parent = table.find((p) => p.id === m.parentId);
    if (parent && parent.mountPoint !== m.mountPoint && mountsUnder([parent], real).length > 0 && parent.optional.some((o) => o.startsWith('shared:'))) {
      const err = await attempt(ctx.runner, ['mount', '--make-private', parent.mountPoint]);
      if (err !== undefined) throw stuck(m, real, `making its parent mount ${parent.mountPoint} private failed: ${err}`);
    }
    const gone = () => !read().some((e) => e.id === m.id);
    const err = await attempt(ctx.runner, ['umount', m.mountPoint]);
    if (err !== undefined && !gone()) {
      const lazyErr = await attempt(ctx.runner, ['umount', '-l', m.mountPoint]);
      if (lazyErr !== undefined && !gone()) throw stuck(m, real, err);
      ctx.log.warn(`${m.mountPoint} was busy (${err}); detached it lazily: the kernel frees it when its last user is gone`);
    }
    done.push(m.mountPoint);
  }
}

/** Throw a KilnError naming every mount at or under `dir` (before removing `dir` with rmSync). */
export function assertNoMountsUnder(dir: string, what: string, read: () => MountEntry[] = () => readMountInfo()): void {
  const found = mountsUnder(read(), realDir(dir));
  if (found.length === 0) return;
  throw new KilnError(`not removing ${what}: ${found.map((m) => m.mountPoint).join(', ')} ${found.length === 1 ? 'is' : 'are'} mounted under it`, {
    hint: `a removal would delete through the mount; unmount it (umount ${found.at(-1)!.mountPoint}) and remove ${dir} by hand`,
  });
}

/** Remove one of Kiln's own scratch directories, never through a mount point. */
export function removeScratchDir(dir: string): void {
  if (!existsSync(dir)) return;
  assertNoMountsUnder(dir, dir);
  rmSync(dir, { recursive: true, force: true });
}

async function attempt(runner: Runner, argv: string[]): Promise<string | undefined> {
  try {
    await runner.run(argv[0]!, argv.slice(1));
    return undefined;
  } catch (e) {
    const tail = (e as { stderrTail?: string }).stderrTail;
    return (tail || (e as Error).message).split('\n').at(-1)!.trim();
  }
}

function stuck(m: MountEntry, dir: string, why: string): KilnError {
  // findmnt's notation: a bind mount shows the directory it binds, SOURCE[/dir]
  const what = `${m.fsType} ${m.source}${m.root === '/' ? '' : `[${m.root}]`}`;
  return new KilnError(`${m.mountPoint} (${what}) is mounted under ${dir} and cannot be unmounted: ${why}`, {
    hint: `unmount it (umount ${m.mountPoint}); Kiln removes nothing under ${dir} while it is mounted`,
  });
}
