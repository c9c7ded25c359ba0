/**
 * Who we run as, and how to run a command as "root of the tree".
 *
 * As root, commands run directly. As an unprivileged user every step that creates, changes or
 * reads the owners in the tree (root.d, in-target hooks, mkfs from the tree, tar of the tree,
 * removing the workspace) runs in a user namespace with the subordinate id range:
 * `unshare --map-auto --map-root-user` maps 0 -> the user and 1..65535 -> /etc/subuid's range.
 * Every namespace made this way has the same mapping, so the tree's owners stay consistent from
 * one step to the next.
 *
 * With one uid and no subordinate ids (fakeroot mode) the namespace maps only 0 -> the user, so a
 * chown to any other id fails. Each of those steps then also runs under `fakeroot -i DB -s DB`:
 * chown, chmod and mknod are recorded in one database file (keyed by device and inode) instead of
 * the filesystem, and every later step that reads owners (mke2fs -d, tar, mksquashfs) loads the same
 * file and sees them. Files the database does not know read as root's. Each step saves the whole
 * database when it ends, so two steps must never run with it at the same time (the build's steps run
 * one after another): the later save would drop what the other recorded.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { PID_NAMESPACE_OPTIONS } from '../exec/lifeline.js';

export interface Identity {
  /** true when running as real root: no user namespace is needed */
  privileged: boolean;
  uid: number;
  gid: number;
  user: string;
  /** set in fakeroot mode: the ownership database every step as root of the tree loads and saves */
  fakeroot?: { db: string };
  /**
   * uid 0 of a user namespace (rootless podman's or Docker's root, a Kubernetes user namespace):
   * root of the tree, but the kernel refuses it mknod, so device nodes are never made (a cached
   * bootstrap is unpacked without /dev's nodes; mmdebstrap runs in unshare mode, which makes none)
   */
  nodev?: true;
}

/** /proc/self/uid_map of the initial user namespace, every id mapped to itself (words joined by one space). */
export const INITIAL_UID_MAP = '0 0 4294967295';

/** /proc/self/uid_map, its words joined by one space (undefined where there is none). */
export function readUidMap(file = '/proc/self/uid_map'): string | undefined {
  try {
    return readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((l) => l.trim().split(/\s+/).join(' '))
      .join('\n');
  } catch {
    return undefined;
  }
}

/** Is uid 0 here the host's root? Not in a user namespace (uid_map maps a part of the ids, or shifts them). */
export function inInitialUserNamespace(uidMap: string | undefined): boolean {
  return uidMap === undefined || uidMap === INITIAL_UID_MAP;
}

/** Root of the host (not of a user namespace): it may make device nodes and register binfmt_misc. */
export function isHostRoot(id: Pick<Identity, 'privileged' | 'nodev'>): boolean {
  return id.privileged && !id.nodev;
}

export function currentIdentity(): Identity {
  const uid = process.getuid?.() ?? 0;
  const gid = process.getgid?.() ?? 0;
  let user = String(uid);
  try {
    user = userInfo().username;
  } catch {
    /* no passwd entry: keep the number */
  }
  const nodev = uid === 0 && !inInitialUserNamespace(readUidMap());
  return { privileged: uid === 0, uid, gid, user, ...(nodev ? { nodev } : {}) };
}

/** Does /etc/subuid (or subgid) give this user a range of at least 65535 ids? */
export function subordinateRange(file: '/etc/subuid' | '/etc/subgid', id: Identity): { start: number; count: number } | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  for (const line of text.split('\n')) {
    const [who, start, count] = line.trim().split(':');
    if ((who === id.user || who === String(id.uid)) && start && count) {
      return { start: Number(start), count: Number(count) };
    }
  }
  return undefined;
}

/**
 * argv prefix that runs a command as root of the tree; `mount` adds a private mount namespace.
 * Every namespace made here includes a pid namespace whose init dies with unshare (--kill-child):
 * with the Runner's pdeathsig (exec/lifeline.ts) every process of the command dies with Kiln. As
 * root without a mount namespace the prefix is empty: the Runner gives the command its pid
 * namespace. Unprivileged, the pid namespace must be made here, in the same user namespace (one
 * nested in the Runner's --map-current-user namespace could not map the subordinate ids).
 */
export function asTreeRoot(id: Identity, opts: { mount?: boolean } = {}): string[] {
  const ns: string[] = [];
  if (opts.mount) ns.push('--mount', '--propagation', 'private');
  if (id.fakeroot) {
    // an IPC namespace of its own: faked's SysV message queues go with it, even when Kiln is killed
    const userns = id.privileged ? [] : ['--map-root-user'];
    return ['unshare', ...userns, '--ipc', ...ns, ...PID_NAMESPACE_OPTIONS, '--', ...fakerootPrefix(id.fakeroot.db)];
  }
  if (id.privileged && ns.length === 0) return [];
  ns.push(...PID_NAMESPACE_OPTIONS);
  if (id.privileged) return ['unshare', ...ns, '--'];
  return ['unshare', '--map-auto', '--map-root-user', ...ns, '--'];
}

/**
 * fakeroot loading and saving `db` (with -s the fakeroot script waits for faked to write it before
 * it exits, so the save is done before the pid namespace ends). FAKEROOTDONTTRYCHOWN: libfakeroot
 * records a chown without also trying the real one, which fails with EINVAL in a one-uid namespace
 * (libfakeroot ignores only EPERM) and would fail `chown` in a hook.
 */
export function fakerootPrefix(db: string): string[] {
  return ['env', 'FAKEROOTDONTTRYCHOWN=1', 'fakeroot', '-i', db, '-s', db, '--'];
}

/** The identity of fakeroot mode, its database at `db` (created empty if missing: fakeroot -i needs the file). */
export function withFakerootDb(id: Identity, db: string): Identity {
  if (!existsSync(db)) writeFileSync(db, '', { mode: 0o600 });
  return { ...id, fakeroot: { db } };
}
