/**
 * Where Kiln runs, told from /proc and /etc without running anything: real root, root of a user
 * namespace (a rootless container), or a user with or without a subordinate id range; and what in
 * the host stops user namespaces (sysctls, AppArmor, newuidmap). `classifyEnvironment` is pure, so
 * each environment is tested from its facts; `readHostFacts` reads them.
 */
import { readFileSync, statSync } from 'node:fs';
import { KilnError } from '../errors.js';
import { findTool } from '../exec/tools.js';
import { type Identity, inInitialUserNamespace, readUidMap, subordinateRange } from './identity.js';

/** CAP_SYS_ADMIN's bit in /proc/self/status CapEff (linux/capability.h). */
const CAP_SYS_ADMIN = 21n;
/** ids a tree's owners need: 0..65535 (Debian's system and user ranges). */
export const FULL_RANGE = 65536;

export interface HostFacts {
  uid: number;
  user: string;
  /** /proc/self/uid_map, trimmed and with runs of blanks squeezed */
  uidMap?: string;
  /** CapEff of /proc/self/status */
  capEff?: bigint;
  subuid?: { start: number; count: number };
  subgid?: { start: number; count: number };
  /** /proc/sys/kernel/unprivileged_userns_clone (Debian's patch; absent elsewhere) */
  usernsClone?: string;
  /** /proc/sys/user/max_user_namespaces */
  maxUserNamespaces?: string;
  /** /proc/sys/kernel/apparmor_restrict_unprivileged_userns (Ubuntu 23.10+) */
  apparmorRestrict?: string;
  /** newuidmap/newgidmap: found, and setuid root (Debian's uidmap package ships them so) */
  newuidmap?: { path: string; setuidRoot: boolean };
  newgidmap?: { path: string; setuidRoot: boolean };
  /** fakeroot, for the one-uid mode (Debian's fakeroot package) */
  fakeroot?: string;
}

export type Environment =
  /** real root with CAP_SYS_ADMIN: namespaces directly */
  | { kind: 'root' }
  /** uid 0 of a user namespace mapping `count` ids (rootless podman/docker, k8s user namespaces) */
  | { kind: 'userns-root'; count: number }
  /** a user with subordinate ids: unshare --map-auto --map-root-user */
  | { kind: 'subids' }
  /**
   * one uid and no subordinate ids (a user without /etc/subuid entries, root of a namespace that
   * maps fewer than 65536 ids): owners recorded in a fakeroot database (sandbox/identity.ts)
   */
  | { kind: 'fakeroot'; why: string };

/** The total number of ids a uid_map maps. */
export function mappedIds(uidMap: string): number {
  let n = 0;
  for (const line of uidMap.split('\n')) {
    const count = Number(line.trim().split(/\s+/)[2]);
    if (Number.isFinite(count)) n += count;
  }
  return n;
}

function hasCap(capEff: bigint | undefined, bit: bigint): boolean {
  return capEff === undefined || ((capEff >> bit) & 1n) === 1n;
}

/** What this environment is, or one KilnError naming what is missing and the fix. */
export function classifyEnvironment(f: HostFacts): Environment {
  const inInitialNs = inInitialUserNamespace(f.uidMap);
  if (f.uid === 0) {
    if (!hasCap(f.capEff, CAP_SYS_ADMIN)) {
      throw new KilnError('running as root without CAP_SYS_ADMIN: Kiln cannot make the mount and pid namespaces it builds in', {
        hint: inInitialNs
          ? "this is a container's default (Docker drops CAP_SYS_ADMIN): run Kiln as a non-root user in rootless podman, or give the container --cap-add SYS_ADMIN"
          : "give the container CAP_SYS_ADMIN (a rootless container's is its user namespace's, not the host's: podman run --cap-add SYS_ADMIN), or run Kiln as a non-root user there (the Kiln image's kiln)",
      });
    }
    if (inInitialNs) return { kind: 'root' };
    const count = mappedIds(f.uidMap!);
    if (count < FULL_RANGE) {
      return fakerootMode(
        f,
        `root of a user namespace that maps ${count} id${count === 1 ? '' : 's'} (/proc/self/uid_map: ${f.uidMap!.replace(/\n/g, '; ')}), fewer than a tree's ${FULL_RANGE}`,
        'run the container with a full id range (rootless podman maps 65536 ids by default; check /etc/subuid of the user who starts it)',
      );
    }
    return { kind: 'userns-root', count };
  }
  const blocked = usernsBlocked(f);
  if (blocked) throw blocked;
  if (!inInitialNs) {
    // a user inside a user namespace (a container run with --userns=keep-id, say) can map only ids
    // that namespace has: with fewer than a tree's, /etc/subuid there cannot be used
    const count = mappedIds(f.uidMap!);
    if (count < FULL_RANGE) {
      return fakerootMode(
        f,
        `${f.user} is in a user namespace that maps ${count} id${count === 1 ? '' : 's'} (/proc/self/uid_map: ${f.uidMap!.replace(/\n/g, '; ')}), fewer than a tree's ${FULL_RANGE}`,
        'run the container with a full id range',
      );
    }
  }
  for (const [file, range] of [
    ['/etc/subuid', f.subuid],
    ['/etc/subgid', f.subgid],
  ] as const) {
    if (!range || range.count < FULL_RANGE - 1) {
      return fakerootMode(
        f,
        `${f.user} has no subordinate id range of ${FULL_RANGE} ids in ${file}`,
        `add one, e.g. 'usermod --add-subuids 100000-165535 --add-subgids 100000-165535 ${f.user}'`,
      );
    }
  }
  for (const [tool, found] of [
    ['newuidmap', f.newuidmap],
    ['newgidmap', f.newgidmap],
  ] as const) {
    if (!found) {
      throw new KilnError(`${tool} not found: an unprivileged user needs it to map the subordinate ids`, { hint: "install Debian's uidmap package" });
    }
    if (!found.setuidRoot) {
      throw new KilnError(`${found.path} is not setuid root: it cannot map the subordinate ids`, {
        hint: `reinstall the uidmap package, or 'chmod u+s ${found.path}' as root (or give it file capabilities: setcap cap_set${tool === 'newuidmap' ? 'uid' : 'gid'}+ep)`,
      });
    }
  }
  return { kind: 'subids' };
}

/** One uid: the fakeroot mode, which needs fakeroot; `better` says how to get the full mode instead. */
function fakerootMode(f: HostFacts, why: string, better: string): Environment {
  if (!f.fakeroot) {
    throw new KilnError(`${why}, and fakeroot is not installed: Kiln cannot record the tree's owners`, {
      hint: `install Debian's fakeroot package (owners are then recorded outside the filesystem), or ${better}, or run as root`,
    });
  }
  return { kind: 'fakeroot', why };
}

function usernsBlocked(f: HostFacts): KilnError | undefined {
  if (f.usernsClone === '0') {
    return new KilnError('unprivileged user namespaces are disabled (kernel.unprivileged_userns_clone = 0)', {
      hint: "as root: 'sysctl -w kernel.unprivileged_userns_clone=1' (persist it in /etc/sysctl.d/), or run Kiln as root",
    });
  }
  if (f.maxUserNamespaces === '0') {
    return new KilnError('user namespaces are disabled (user.max_user_namespaces = 0)', {
      hint: "as root: 'sysctl -w user.max_user_namespaces=15000' (persist it in /etc/sysctl.d/), or run Kiln as root",
    });
  }
  if (f.apparmorRestrict === '1') {
    return new KilnError('AppArmor restricts unprivileged user namespaces (kernel.apparmor_restrict_unprivileged_userns = 1)', {
      hint: "as root: 'sysctl -w kernel.apparmor_restrict_unprivileged_userns=0', or give unshare an AppArmor profile with 'userns,'",
    });
  }
  return undefined;
}

function readTrimmed(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
}

function mapTool(name: string, pathEnv: string): { path: string; setuidRoot: boolean } | undefined {
  const path = findTool(name, pathEnv);
  if (!path) return undefined;
  const st = statSync(path);
  return { path, setuidRoot: st.uid === 0 && (st.mode & 0o4000) !== 0 };
}

/** The facts of this process and host; `pathEnv` is the build's PATH (sbin is searched too). */
export function readHostFacts(id: Identity, pathEnv: string): HostFacts {
  const uidMap = readUidMap();
  const capLine = readTrimmed('/proc/self/status')
    ?.split('\n')
    .find((l) => l.startsWith('CapEff:'));
  const facts: HostFacts = { uid: id.uid, user: id.user };
  if (uidMap !== undefined) facts.uidMap = uidMap;
  if (capLine) facts.capEff = BigInt(`0x${capLine.split(/\s+/)[1]}`);
  const subuid = subordinateRange('/etc/subuid', id);
  const subgid = subordinateRange('/etc/subgid', id);
  if (subuid) facts.subuid = subuid;
  if (subgid) facts.subgid = subgid;
  const clone = readTrimmed('/proc/sys/kernel/unprivileged_userns_clone');
  const max = readTrimmed('/proc/sys/user/max_user_namespaces');
  const apparmor = readTrimmed('/proc/sys/kernel/apparmor_restrict_unprivileged_userns');
  if (clone !== undefined) facts.usernsClone = clone;
  if (max !== undefined) facts.maxUserNamespaces = max;
  if (apparmor !== undefined) facts.apparmorRestrict = apparmor;
  const fakeroot = findTool('fakeroot', pathEnv);
  if (fakeroot) facts.fakeroot = fakeroot;
  if (id.uid !== 0) {
    const u = mapTool('newuidmap', pathEnv);
    const g = mapTool('newgidmap', pathEnv);
    if (u) facts.newuidmap = u;
    if (g) facts.newgidmap = g;
  }
  return facts;
}

/** The environment Kiln runs in, or the KilnError that says what is missing (before any work). */
export function checkEnvironment(id: Identity, pathEnv: string): Environment {
  return classifyEnvironment(readHostFacts(id, pathEnv));
}
