/**
 * The Red Hat family distro drivers (centos, fedora, rocky, almalinux, rhel): bootstrap with the
 * host's `dnf --installroot` into the tree, as root of the tree (a user namespace when Kiln is
 * unprivileged, as mmdebstrap is run), then keep the tree as a zstd tarball in the
 * content-addressed cache; a later build with the same inputs unpacks it. The distro's data is
 * distros/<name>.yaml; planning is in dnf-plan.ts.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { findArch } from '../arch/index.js';
import { cacheKey, tempBootstrapPath, type CacheInputs } from '../cache/index.js';
import { asCleanup, CommandError } from '../exec/runner.js';
import { asTreeRoot } from '../sandbox/identity.js';
import { refuseWithoutCache, storeAndShareBootstrap, unpackTarball, useCachedBootstrap } from './cached-bootstrap.js';
import { aptDataFile } from './debian-data.js';
import {
  dnfConf,
  explainDnfFailure,
  mirrorRepoName,
  planDnf,
  planDnfBootstrap,
  renderMirrorRepo,
  rpmMacros,
  treeKeyPath,
  type DnfBootstrapPlan,
} from './dnf-plan.js';
import { loadRpmData } from './rpm-data.js';
import type { BootstrapRequest, DistroDriver, ToolNeed } from './types.js';

/** Bump when the bootstrap's content changes for the same inputs. */
export const DNF_DRIVER_VERSION = 'dnf-1';

/** The driver of one Red Hat family distro; its data is distros/<name>.yaml (or KILN_DISTRO_DATA_DIR/<name>.yaml). */
export function dnfDriver(name: string): DistroDriver {
  return {
    name,
    family: 'rpm',
    tools: dnfTools,
    // Kiln's canonical names (amd64, arm64), as the preflight compares them with ARCH's
    architectures: (req) =>
      [...loadRpmData(aptDataFile(name, req.settings.distroDataDir || undefined)).architectures.keys()].map((a) => findArch(a)?.name ?? a),
    describe: (req) => {
      const plan = planFor(name, req);
      return {
        driver: name,
        family: 'rpm',
        tool: 'dnf',
        release: plan.release,
        releasever: plan.releasever,
        arch: plan.arch,
        repos: [...plan.repos.map((r) => `${r.id} ${r.baseurl}`), ...plan.repoFiles],
        gpgcheck: plan.gpgcheck,
        packages: plan.packages,
      };
    },
    bootstrap: (req) => bootstrapDnf(name, req),
  };
}

export const centosDriver = dnfDriver('centos');
export const fedoraDriver = dnfDriver('fedora');
export const rockyDriver = dnfDriver('rocky');
export const almalinuxDriver = dnfDriver('almalinux');
export const rhelDriver = dnfDriver('rhel');

export function planFor(name: string, req: Pick<BootstrapRequest, 'arch' | 'settings'>): DnfBootstrapPlan {
  return planDnfBootstrap(loadRpmData(aptDataFile(name, req.settings.distroDataDir || undefined)), req.arch, req.settings);
}

function dnfTools(req: BootstrapRequest): ToolNeed[] {
  const need: ToolNeed[] = [
    { tool: 'dnf', why: 'bootstraps the root tree (Red Hat family; package dnf)' },
    { tool: 'rpm', why: "dnf's package manager" },
    { tool: 'unshare', why: 'mount and pid namespaces for dnf; a user namespace when unprivileged (util-linux)' },
    { tool: 'tar', why: 'packs the bootstrap into the cache and unpacks it' },
    { tool: 'zstd', why: 'the bootstrap tarball is zstd-compressed' },
  ];
  if (!req.identity.privileged) need.push({ tool: 'newuidmap', why: 'dnf runs in a user namespace with the subordinate ids (package uidmap)' });
  return need;
}

const sha = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');

export function dnfCacheInputs(plan: DnfBootstrapPlan): CacheInputs {
  return {
    driver: DNF_DRIVER_VERSION,
    distro: plan.distro,
    release: plan.release,
    releasever: plan.releasever,
    dbpath: plan.dbpath,
    arch: plan.arch,
    mirror: plan.mirror,
    repos: plan.repos.map((r) => ({ id: r.id, baseurl: r.baseurl })),
    repoFiles: plan.repoFiles.map((f) => ({ name: basename(f), sha256: sha(f) })),
    gpgcheck: plan.gpgcheck,
    gpgKeys: plan.gpgKeys.map((k) => sha(k)),
    packages: plan.packages,
    sourceDateEpoch: plan.sourceDateEpoch,
  };
}

async function bootstrapDnf(name: string, req: BootstrapRequest): Promise<void> {
  const plan = planFor(name, req);
  const inputs = dnfCacheInputs(plan);
  const key = cacheKey(inputs);
  const what = `${plan.distro} ${plan.release} ${plan.arch}`;
  if (await useCachedBootstrap(req, [key], what, (file) => unpackTarball(req, file))) return;
  refuseWithoutCache(req, what, key, { toolNeedsSubids: 'dnf' });
  const work = join(req.tmpDir ?? join(dirname(req.target), 'tmp'), 'bootstrap-dnf');
  rmSync(work, { recursive: true, force: true });
  const reposdir = join(work, 'repos.d');
  const home = join(work, 'home');
  mkdirSync(reposdir, { recursive: true });
  mkdirSync(home, { recursive: true });
  writeFileSync(join(work, 'dnf.conf'), dnfConf(plan));
  writeFileSync(join(home, '.rpmmacros'), rpmMacros(plan));
  if (plan.repos.length)
    writeFileSync(
      join(reposdir, mirrorRepoName(plan)),
      renderMirrorRepo(
        plan,
        plan.gpgKeys.map((k) => `file://${k}`),
      ),
    );
  for (const f of plan.repoFiles) copyFileSync(f, join(reposdir, basename(f)));
  // the tree's copy of the mirror's repositories, with its keys, so that dnf in the tree installs
  // from the same place (yum-minimal's cleanup.d removes them at the end, as DIB's dib-mirror repos)
  if (plan.repos.length) writeTreeMirrorRepo(req.target, plan);
  const argv = [
    ...asTreeRoot(req.identity, { mount: true }),
    ...planDnf({ plan, target: req.target, config: join(work, 'dnf.conf'), reposdir, cachedir: join(work, 'cache') }),
  ];
  req.log.info(`bootstrap: ${what} with dnf --installroot (${plan.packages.length} packages)`);
  const temp = req.useCache ? tempBootstrapPath(req.cacheDir, key) : undefined;
  try {
    await req.runner
      .run(argv[0]!, argv.slice(1), {
        stream: true,
        // ~/.rpmmacros sets the rpm database path (Debian's rpm puts it under $HOME otherwise)
        env: { HOME: home, TMPDIR: work, LC_ALL: 'C.UTF-8', ...(plan.sourceDateEpoch !== null ? { SOURCE_DATE_EPOCH: String(plan.sourceDateEpoch) } : {}) },
        context: 'bootstrap (dnf)',
      })
      .catch((e: unknown) => {
        throw e instanceof CommandError && e.commandExitCode !== undefined ? explainDnfFailure(plan, e) : e;
      });
    if (temp) {
      const pack = [...asTreeRoot(req.identity), ...planPack(req.target, temp)];
      await req.runner.run(pack[0]!, pack.slice(1), { context: 'bootstrap (pack into the cache)' });
      await storeAndShareBootstrap(req, key, temp, inputs, what);
    }
  } finally {
    if (temp) rmSync(temp, { force: true });
    // dnf's download cache belongs to root of the tree
    await asCleanup(() => req.runner.run(...removeAsTreeRoot(req, work), { context: 'bootstrap (remove the dnf work directory)' })).catch((e) =>
      req.log.warn(`could not remove ${work}: ${(e as Error).message}`),
    );
  }
}

/** Written before dnf runs, into the empty tree (so no symlink of the tree can be in the way). */
function writeTreeMirrorRepo(target: string, plan: DnfBootstrapPlan): void {
  const keys = plan.gpgKeys.map((k, i) => {
    const dest = join(target, treeKeyPath(plan, i));
    mkdirSync(dirname(dest), { recursive: true });
    copyFileSync(k, dest);
    return `file://${treeKeyPath(plan, i)}`;
  });
  mkdirSync(join(target, 'etc/yum.repos.d'), { recursive: true });
  writeFileSync(join(target, 'etc/yum.repos.d', mirrorRepoName(plan)), renderMirrorRepo(plan, keys));
}

/** The tree into a tarball, owners and capabilities kept (the reverse of planUnpack). */
export function planPack(target: string, tarball: string): string[] {
  return ['tar', '--zstd', '-C', target, '--numeric-owner', '--xattrs', '--xattrs-include=security.capability', '-cpf', tarball, '.'];
}

function removeAsTreeRoot(req: BootstrapRequest, dir: string): [string, string[]] {
  const argv = [...asTreeRoot(req.identity), 'rm', '-rf', '--one-file-system', dir];
  return [argv[0]!, argv.slice(1)];
}
