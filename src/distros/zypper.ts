/**
 * The zypper-family distro driver (opensuse): `zypper --root TREE install --no-recommends` from
 * repo files in a private directory, run as root of the tree in its own mount and pid namespaces
 * (libexec/kiln-zypper-root gives the tree /proc, /sys and /dev for the packages' scriptlets).
 * The tree is then packed into Kiln's content-addressed cache; the next build with the same inputs
 * only unpacks it. The distro's data is distros/<name>.yaml; planning is in zypper-plan.ts.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { findArch } from '../arch/index.js';
import { cacheKey, tempBootstrapPath, type CacheInputs } from '../cache/index.js';
import { KilnError } from '../errors.js';
import { asCleanup, CommandError } from '../exec/runner.js';
import { asTreeRoot } from '../sandbox/identity.js';
import { LIBEXEC } from '../sandbox/sandbox.js';
import { Tree } from '../tree/fs.js';
import { emptyDirectory } from '../tree/root-ops.js';
import { refuseWithoutCache, storeAndShareBootstrap, unpackTarball, useCachedBootstrap } from './cached-bootstrap.js';
import { aptDataFile } from './debian-data.js';
import type { BootstrapRequest, DistroDriver, ToolNeed } from './types.js';
import { loadZypperData } from './zypper-data.js';
import {
  planRepoFiles,
  planRpmMacros,
  planZypperBootstrap,
  planZypperEnv,
  planZypperInstall,
  privateDirLayout,
  type ZypperBootstrapPlan,
} from './zypper-plan.js';

/** Bump when the bootstrap's content changes for the same inputs. */
export const ZYPPER_DRIVER_VERSION = 'zypper-1';

/** The tree's zypper solv cache, written by the bootstrap's zypper (derived data: removed, as `zypper clean` would). */
const SOLV_CACHE = '/var/cache/zypp/solv';

/** The driver of one zypper-family distro; its data is distros/<name>.yaml (or KILN_DISTRO_DATA_DIR/<name>.yaml). */
export function zypperDriver(name: string): DistroDriver {
  const data = (req: Pick<BootstrapRequest, 'settings'>) => loadZypperData(aptDataFile(name, req.settings.distroDataDir || undefined));
  return {
    name,
    family: 'rpm',
    tools: zypperTools,
    // the data has RPM names (x86_64); the build compares Kiln's canonical ones (amd64)
    architectures: (req) => [...data(req).architectures.keys()].map((a) => findArch(a)?.name ?? a),
    describe: (req) => {
      const plan = planZypperBootstrap(data(req), req.arch, req.settings);
      return {
        driver: name,
        family: 'rpm',
        tool: 'zypper',
        release: plan.release,
        arch: plan.arch,
        repos: plan.repos.map((r) => ({ name: r.name, url: r.url })),
        gpgChecks: plan.gpgChecks,
        packages: plan.packages,
      };
    },
    bootstrap: async (req) => bootstrapZypper(planZypperBootstrap(data(req), req.arch, req.settings), req),
  };
}

export const opensuseDriver: DistroDriver = zypperDriver('opensuse');

function zypperTools(req: BootstrapRequest): ToolNeed[] {
  const need: ToolNeed[] = [
    { tool: 'zypper', why: 'bootstraps the root tree (zypper --root, openSUSE)' },
    { tool: 'rpm', why: 'zypper installs the packages with the host rpm into the tree' },
    { tool: 'unshare', why: 'mount and pid namespaces for zypper; a user namespace when unprivileged (util-linux)' },
    { tool: 'tar', why: 'packs the bootstrap into the cache and unpacks it' },
    { tool: 'zstd', why: 'the bootstrap tarball is zstd-compressed' },
  ];
  if (!req.identity.privileged) need.push({ tool: 'newuidmap', why: 'the user namespace maps the subordinate ids (package uidmap)' });
  return need;
}

export function zypperCacheInputs(plan: ZypperBootstrapPlan): CacheInputs {
  return {
    driver: ZYPPER_DRIVER_VERSION,
    distro: plan.distro,
    release: plan.release,
    arch: plan.arch,
    repos: plan.repos.map((r) => ({ name: r.name, url: r.url, refresh: r.refresh })),
    packages: plan.packages,
    rpmDbPath: plan.rpmDbPath,
    gpgChecks: plan.gpgChecks,
  };
}

async function bootstrapZypper(plan: ZypperBootstrapPlan, req: BootstrapRequest): Promise<void> {
  const inputs = zypperCacheInputs(plan);
  const key = cacheKey(inputs);
  const what = `${plan.distro} ${plan.release} ${plan.arch}`;
  if (await useCachedBootstrap(req, [key], what, (file) => unpackTarball(req, file))) return;
  refuseWithoutCache(req, what, key, { toolNeedsSubids: 'zypper' });
  // zypper's repo files, caches, lock and log: in the workspace, removed when the bootstrap is done
  const tmp = join(req.tmpDir ?? join(dirname(req.target), 'tmp'), 'zypper');
  const d = privateDirLayout(tmp);
  for (const dir of [d.reposDir, d.rawCacheDir, d.pkgCacheDir, d.home, d.lockRoot]) mkdirSync(dir, { recursive: true });
  const repoFiles = planRepoFiles(plan);
  for (const [file, text] of repoFiles) writeFileSync(join(d.reposDir, file), text);
  writeFileSync(join(d.home, '.rpmmacros'), planRpmMacros(plan));
  writeFileSync(d.zyppConf, '');
  const temp = req.useCache ? tempBootstrapPath(req.cacheDir, key) : undefined;
  const tree = new Tree(req.target);
  try {
    const mounts = ['/proc', '/sys', '/dev'].map((p) => tree.mkdirp(p));
    const argv = [
      ...asTreeRoot(req.identity, { mount: true }),
      'sh',
      join(LIBEXEC, 'kiln-zypper-root'),
      req.target,
      ...mounts,
      ...planZypperInstall(plan, req.target, d),
    ];
    req.log.info(`bootstrap: ${what} with zypper (${plan.packages.length} packages from ${plan.repos.map((r) => r.name).join(', ')})`);
    await req.runner.run(argv[0]!, argv.slice(1), { stream: true, env: planZypperEnv(d), context: 'bootstrap (zypper)' }).catch((e: unknown) => {
      throw explainZypperFailure(e, plan);
    });
    // the image's zypper finds the same repositories (DIB's zypper addrepo writes them into the tree)
    tree.mkdirp('/etc/zypp/repos.d');
    for (const [file, text] of repoFiles) tree.writeFile(`/etc/zypp/repos.d/${file}`, text);
    await emptyDirectory(req, tree, SOLV_CACHE);
    tree.remove(SOLV_CACHE);
    if (temp) {
      await packTree(req, temp);
      await storeAndShareBootstrap(req, key, temp, inputs, what);
    }
  } finally {
    if (temp) rmSync(temp, { force: true });
    // zypper's caches belong to root of the tree
    const rm = [...asTreeRoot(req.identity), 'rm', '-rf', '--one-file-system', tmp];
    await asCleanup(() => req.runner.run(rm[0]!, rm.slice(1), { context: 'bootstrap (remove zypper files)' })).catch((e) =>
      req.log.warn(`could not remove ${tmp}: ${(e as Error).message}`),
    );
  }
}

/** zypper's exit codes (zypper(8), EXIT CODES) that mean a wrong release, mirror or package set. */
export function explainZypperFailure(e: unknown, plan: ZypperBootstrapPlan): unknown {
  if (!(e instanceof CommandError)) return e;
  const repos = plan.repos.map((r) => `${r.name} ${r.url}`).join('; ');
  const detail = e.stderrTail ? `:\n${e.stderrTail}` : '';
  if (e.commandExitCode === 104) {
    return new KilnError(`zypper found no package providing one of the packages to install (${plan.distro} ${plan.release})${detail}`, {
      hint: `check DIB_RELEASE and the repositories (${repos}); a repository zypper skipped (unsigned, unreachable) gives this too, as its output above says`,
      cause: e,
    });
  }
  if (e.commandExitCode === 106) {
    return new KilnError(`zypper skipped a repository it could not read${detail}`, {
      hint: `every repository must be reachable and signed (${repos}); KILN_ZYPPER_NO_GPG_CHECKS=1 accepts unsigned ones`,
      cause: e,
    });
  }
  return new KilnError(`zypper could not install the ${plan.distro} ${plan.release} package set (exit code ${e.commandExitCode ?? 'none'})${detail}`, {
    hint: "zypper's output above says why (a solver problem, an unreachable repository); check DIB_RELEASE and the repositories",
    cause: e,
  });
}

/** Pack the tree as root of the tree, so owners are kept; /proc, /sys and /dev contents are never packed. */
export function planPack(tarball: string, target: string): string[] {
  return [
    'tar',
    '--zstd',
    '-C',
    target,
    '--numeric-owner',
    '--sort=name',
    '--xattrs',
    '--xattrs-include=security.capability',
    '--exclude=./proc/*',
    '--exclude=./sys/*',
    '--exclude=./dev/*',
    '-cpf',
    tarball,
    '.',
  ];
}

async function packTree(req: BootstrapRequest, tarball: string): Promise<void> {
  const argv = [...asTreeRoot(req.identity), ...planPack(tarball, req.target)];
  await req.runner.run(argv[0]!, argv.slice(1), { context: 'bootstrap (pack)' });
}
