/**
 * The apt-family distro drivers (debian, ubuntu): bootstrap with mmdebstrap into a zstd tarball
 * (content-addressed cache), then unpack it into the target as root of the tree. The distro's
 * data is distros/<name>.yaml; planning is in debian-plan.ts; this file only looks up the cache,
 * runs mmdebstrap and tar.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { KilnError } from '../errors.js';
import { cacheKey, tempBootstrapPath, type CacheInputs } from '../cache/index.js';
import { PID_NAMESPACE_OPTIONS } from '../exec/lifeline.js';
import { asCleanup } from '../exec/runner.js';
import { asTreeRoot, type Identity, isHostRoot } from '../sandbox/identity.js';
import { refuseWithoutCache, storeAndShareBootstrap, unpackTarball, useCachedBootstrap } from './cached-bootstrap.js';

export { planUnpack } from './cached-bootstrap.js';
import { aptDataFile, loadDebianData } from './debian-data.js';
import { hostAptConfig, mmdebstrapHostAptArgs } from './host-apt.js';
import { planDebianBootstrap, planMmdebstrap, type DebianBootstrapPlan, type MmdebstrapMode } from './debian-plan.js';
import type { BootstrapRequest, DistroDriver, ToolNeed } from './types.js';

/** Bump when the bootstrap's content changes for the same inputs (hooks, options). */
export const DEBIAN_DRIVER_VERSION = 'debian-2';

/** The driver of one apt-family distro; its data is distros/<name>.yaml (or KILN_DISTRO_DATA_DIR/<name>.yaml). */
export function aptDriver(name: string): DistroDriver {
  return {
    name,
    family: 'apt',
    tools: aptTools,
    architectures: (req) => [...loadDebianData(aptDataFile(name, req.settings.distroDataDir || undefined)).architectures.keys()],
    describe: (req) => {
      const plan = planFor(name, req);
      return {
        driver: name,
        family: 'apt',
        tool: 'mmdebstrap',
        release: plan.release.suite,
        arch: plan.arch,
        components: plan.components,
        variant: plan.variant,
        packages: plan.packages,
      };
    },
    bootstrap: (req) => bootstrapApt(name, req),
  };
}

export const debianDriver: DistroDriver = aptDriver('debian');
export const ubuntuDriver: DistroDriver = aptDriver('ubuntu');

function planFor(name: string, req: BootstrapRequest): DebianBootstrapPlan {
  return planDebianBootstrap(loadDebianData(aptDataFile(name, req.settings.distroDataDir || undefined)), req.arch, req.settings);
}

function aptTools(req: BootstrapRequest): ToolNeed[] {
  const need: ToolNeed[] = [
    { tool: 'mmdebstrap', why: 'bootstraps the root tree (apt family)' },
    { tool: 'setsid', why: 'runs mmdebstrap in its own process group (util-linux)' },
    { tool: 'unshare', why: 'mount and pid namespaces for mmdebstrap; a user namespace when unprivileged (util-linux)' },
    { tool: 'tar', why: 'unpacks the bootstrap tarball into the tree' },
    { tool: 'zstd', why: 'the bootstrap tarball is zstd-compressed' },
  ];
  if (req.identity.fakeroot) {
    need.push({ tool: 'fakechroot', why: 'mmdebstrap --mode=fakechroot bootstraps without subordinate ids (package fakechroot)' });
  } else if (!req.identity.privileged) {
    need.push({ tool: 'newuidmap', why: 'mmdebstrap --mode=unshare maps the subordinate ids (package uidmap)' });
  }
  return need;
}

/** How this identity runs mmdebstrap (debian-plan.ts MmdebstrapMode). */
export function mmdebstrapMode(identity: Identity): MmdebstrapMode {
  if (identity.fakeroot) return 'fakechroot';
  // root of a user namespace: root mode would make device nodes; unshare mode (as root, no user
  // namespace of its own) makes none and gives the same tarball
  return isHostRoot(identity) ? 'root' : 'unshare';
}

/**
 * The cache inputs of a bootstrap made in `mode`. root and unshare give the same tarball (mmdebstrap
 * says bit for bit), so they share one key; fakechroot's differs (ldconfig and maintainer scripts run
 * under fakechroot) and keys on its mode.
 */
export function debianCacheInputs(plan: DebianBootstrapPlan, mode: MmdebstrapMode = 'root'): CacheInputs {
  return {
    ...(mode === 'fakechroot' ? { mode } : {}),
    driver: DEBIAN_DRIVER_VERSION,
    distro: plan.distro,
    release: plan.release.suite,
    arch: plan.arch,
    mirror: plan.mirror,
    securityMirror: plan.securityMirror,
    components: plan.components,
    variant: plan.variant,
    packages: plan.packages,
    keyring: plan.keyring ? { path: plan.keyring, sha256: fileSha256(plan.keyring) } : null,
    extraArgs: plan.extraArgs,
    // mmdebstrap's tree depends on it (times, logs removed), so a bootstrap made without it or with
    // another epoch is not this one
    sourceDateEpoch: plan.sourceDateEpoch,
  };
}

async function bootstrapApt(name: string, req: BootstrapRequest): Promise<void> {
  const plan = planFor(name, req);
  if (plan.keyring && !existsSync(plan.keyring)) {
    throw new KilnError(`${name}: the archive keyring ${plan.keyring} does not exist`, {
      where: 'DIB_APT_KEYRING',
      hint: `set DIB_APT_KEYRING to the ${name} archive keyring (a .gpg or .asc file)${name === 'ubuntu' ? ', or install a host package that ships it (ubuntu-keyring)' : ''}`,
    });
  }
  const mode = mmdebstrapMode(req.identity);
  const inputs = debianCacheInputs(plan, mode);
  const key = cacheKey(inputs);
  const what = `${plan.distro} ${plan.release.suite} ${plan.arch}`;
  // in fakechroot mode a bootstrap made as root or with subordinate ids is used too (it is the
  // reference one), before one made in fakechroot mode
  const keys = mode === 'fakechroot' ? [cacheKey(debianCacheInputs(plan)), key] : [key];
  if (await useCachedBootstrap(req, keys, what, (file) => unpackTarball(req, file))) return;
  refuseWithoutCache(req, what, key);
  // mmdebstrap builds the tree in a temporary directory under TMPDIR before packing it: inside
  // the workspace, so an interrupted bootstrap leaves nothing elsewhere (removed below when
  // mmdebstrap is done; kept in the workspace only when Kiln is killed)
  const tmp = join(req.tmpDir ?? join(dirname(req.target), 'tmp'), 'bootstrap');
  mkdirSync(tmp, { recursive: true });
  const temp = req.useCache ? tempBootstrapPath(req.cacheDir, key) : join(tmp, 'kiln-bootstrap.tar.zst');
  const argv = planMmdebstrap({ plan, mode, output: temp });
  // the host's proxy and Release-date settings reach the archive as the host's apt does
  argv.splice(1, 0, ...mmdebstrapHostAptArgs(await hostAptConfig(req.runner)));
  req.log.info(`bootstrap: ${what} with mmdebstrap (${plan.packages.length} packages${mode === 'fakechroot' ? ', fakechroot mode' : ''})`);
  try {
    const cmd = planBootstrapCommand(req.identity, argv);
    await req.runner.run(cmd[0]!, cmd.slice(1), {
      stream: true,
      env: { TMPDIR: tmp, ...(plan.sourceDateEpoch !== null ? { SOURCE_DATE_EPOCH: String(plan.sourceDateEpoch) } : {}) },
      context: 'bootstrap (mmdebstrap)',
    });
    // hashed right after mmdebstrap wrote it: later lookups check the tarball against this
    const stored = req.useCache ? await storeAndShareBootstrap(req, key, temp, inputs, what) : undefined;
    await unpackTarball(req, stored?.file ?? temp);
  } finally {
    rmSync(temp, { force: true });
    // mmdebstrap's temporary tree, left when it was killed; its files belong to the tree's owners
    await asCleanup(() => req.runner.run(...removeAsTreeRoot(req.identity, tmp), { context: 'bootstrap (remove the temporary tree)' })).catch((e) =>
      req.log.warn(`could not remove ${tmp}: ${(e as Error).message}`),
    );
  }
}

function removeAsTreeRoot(id: Identity, dir: string): [string, string[]] {
  const argv = [...asTreeRoot(id), 'rm', '-rf', '--one-file-system', dir];
  return [argv[0]!, argv.slice(1)];
}

/**
 * How mmdebstrap is started: as root of the tree (asTreeRoot), in a private mount namespace and a
 * pid namespace that die with Kiln, and in its own session.
 * - Mount namespace: --mode=root mounts /proc, /sys and /dev in its temporary tree, and those
 *   mounts must never reach the host's mount table (an interrupted bootstrap would leave them).
 * - Pid namespace: every mmdebstrap, apt and dpkg process dies when Kiln is stopped or killed.
 *   Unprivileged this is the user namespace with the subordinate ids, where mmdebstrap runs as
 *   its root; --mode=unshare then makes its mount and pid namespaces without another user
 *   namespace (mmdebstrap supports unshare mode as root), with the same id mapping it would make.
 * - Session (setsid): when writing the tarball fails, mmdebstrap tears down its children with
 *   `kill HUP => -getpgrp()`, which must not reach Kiln or whatever shares its process group.
 * In fakeroot mode (one uid) mmdebstrap runs in its fakechroot mode instead: see below.
 */
export function planBootstrapCommand(identity: Identity, mmdebstrapArgv: string[]): string[] {
  if (identity.fakeroot) {
    // --mode=fakechroot: mmdebstrap starts its own `fakechroot fakeroot` as the user (no mounts, no
    // user namespace of the tree); an IPC namespace of its own takes faked's message queues along
    // when it is killed, and a pid namespace every process of it. FAKEROOTDONTTRYCHOWN: libfakeroot
    // then records a chown without the real one, which fails with EINVAL where only one uid is mapped
    const userns = identity.privileged ? [] : ['--map-current-user'];
    return ['unshare', ...userns, '--ipc', ...PID_NAMESPACE_OPTIONS, '--', 'env', 'FAKEROOTDONTTRYCHOWN=1', 'setsid', ...mmdebstrapArgv];
  }
  return [...asTreeRoot(identity, { mount: true }), 'setsid', ...mmdebstrapArgv];
}

function fileSha256(path: string): string | null {
  return existsSync(path) ? createHash('sha256').update(readFileSync(path)).digest('hex') : null;
}

function _mib(n: number): string {
  return (n / 1048576).toFixed(0);
}
