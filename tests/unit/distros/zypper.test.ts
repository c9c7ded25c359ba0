/**
 * The opensuse driver's data (distros/opensuse.yaml), its plan (repositories under the mirror,
 * repo files, the zypper argv) and its errors; the elements resolve to Kiln's and select the driver.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { findKernel } from '../../../src/bootloader/grub-cfg.js';
import { NO_FLAGS, readSettings } from '../../../src/config/read-settings.js';
import { cacheKey } from '../../../src/cache/index.js';
import { usableEntry } from '../../../src/distros/cached-bootstrap.js';
import { aptDataFile } from '../../../src/distros/debian-data.js';
import { distroDriver, distroDriverNames, KILN_DISTRO_ELEMENTS, unsupportedDistroElement } from '../../../src/distros/index.js';
import { zypperCacheInputs, planPack } from '../../../src/distros/zypper.js';
import { loadZypperData, parseZypperData } from '../../../src/distros/zypper-data.js';
import {
  formatRepoFile,
  planRepoFiles,
  planRpmMacros,
  planZypperBootstrap,
  planZypperEnv,
  planZypperInstall,
  privateDirLayout,
} from '../../../src/distros/zypper-plan.js';
import { resolveElementSet } from '../../../src/elements/resolve.js';
import { scanElements } from '../../../src/elements/scan.js';
import { KilnError } from '../../../src/errors.js';
import { Runner } from '../../../src/exec/runner.js';
import { silentLogger } from '../../../src/log.js';
import { currentIdentity } from '../../../src/sandbox/identity.js';
import { runCli } from '../../helpers/cli.js';

const data = loadZypperData(aptDataFile('opensuse'));
const MIRROR = 'http://mirror.invalid/opensuse';
const settings = (env: Record<string, string>) => readSettings(env, NO_FLAGS, 'bootstrap');
const plan = (env: Record<string, string>, arch = 'amd64') => planZypperBootstrap(data, arch, settings(env));
const request = (env: Record<string, string>, runner = new Runner()) => ({
  arch: 'amd64',
  settings: settings(env),
  cacheDir: '/nonexistent',
  useCache: false,
  offline: false,
  target: '/nonexistent/tree',
  runner,
  log: silentLogger,
  identity: currentIdentity(),
});

test('distros/opensuse.yaml: Leap 15.6, Leap 16.0 (default), Tumbleweed; x86_64 and aarch64 with kernel-default; dracut, GRUB 2, EFI/opensuse', () => {
  assert.equal(data.name, 'opensuse');
  assert.deepEqual([...data.releases.keys()], ['15.6', '16.0', 'tumbleweed']);
  assert.equal(data.defaultRelease, '16.0');
  assert.deepEqual([...data.architectures.keys()], ['x86_64', 'aarch64']);
  for (const a of data.architectures.values()) assert.equal(a.kernel, 'kernel-default');
  assert.equal(data.architectures.get('x86_64')!.grubBios, 'grub2-i386-pc');
  assert.equal(data.architectures.get('x86_64')!.grubEfi, 'grub2-x86_64-efi');
  assert.equal(data.architectures.get('aarch64')!.grubEfi, 'grub2-arm64-efi');
  assert.equal(data.architectures.get('aarch64')!.grubBios, null);
  assert.equal(data.initramfs, 'dracut');
  assert.deepEqual(data.grub, { cfg: '/boot/grub2/grub.cfg', modules: '/usr/share/grub2', efiDir: 'EFI/opensuse' });
  assert.equal(data.rpmDbPath, '/usr/lib/sysimage/rpm');
  // DIB's zypper-minimal root.d installs and its package-installs.yaml
  for (const p of [
    'filesystem',
    'grep',
    'gzip',
    'xz',
    'patterns-openSUSE-base',
    'python3',
    'zypper',
    'sudo',
    'ca-certificates-mozilla',
    'glibc-locale',
    'bash',
    'lsb-release',
    'openssl',
    'sed',
    'tar',
    'dracut',
  ]) {
    assert.ok(data.packages.includes(p), p);
  }
});

test('Leap 16.0 plan: one repository per architecture under the mirror, kernel-default, sorted packages, keys imported', () => {
  const p = plan({ DIB_DISTRIBUTION_MIRROR: `${MIRROR}/` });
  assert.equal(p.release, '16.0');
  assert.equal(p.arch, 'x86_64');
  assert.deepEqual(p.repos, [{ name: 'repo-oss', url: `${MIRROR}/distribution/leap/16.0/repo/oss/x86_64/`, refresh: true }]);
  assert.ok(p.packages.includes('kernel-default'));
  assert.deepEqual(p.packages, [...new Set(p.packages)].sort());
  assert.equal(p.gpgChecks, true);
  assert.equal(plan({ DIB_DISTRIBUTION_MIRROR: MIRROR }, 'arm64').repos[0]!.url, `${MIRROR}/distribution/leap/16.0/repo/oss/aarch64/`);
  assert.equal(plan({ DIB_DISTRIBUTION_MIRROR: MIRROR }, 'aarch64').arch, 'aarch64');
});

test("Leap 15.6 and Tumbleweed repositories are DIB's paths (plus 15.6's sle and backports updates); Tumbleweed aarch64 is in ports", () => {
  assert.deepEqual(plan({ DIB_DISTRIBUTION_MIRROR: MIRROR, DIB_RELEASE: '15.6' }).repos, [
    { name: 'repo-oss', url: `${MIRROR}/distribution/leap/15.6/repo/oss/`, refresh: false },
    { name: 'repo-update', url: `${MIRROR}/update/leap/15.6/oss/`, refresh: true },
    { name: 'repo-sle-update', url: `${MIRROR}/update/leap/15.6/sle/`, refresh: true },
    { name: 'repo-backports-update', url: `${MIRROR}/update/leap/15.6/backports/`, refresh: true },
  ]);
  // DIB lower-cases DIB_RELEASE
  const tw = plan({ DIB_DISTRIBUTION_MIRROR: MIRROR, DIB_RELEASE: 'Tumbleweed' });
  assert.equal(tw.release, 'tumbleweed');
  assert.deepEqual(
    tw.repos.map((r) => r.url),
    [`${MIRROR}/tumbleweed/repo/oss/`, `${MIRROR}/update/tumbleweed/`],
  );
  assert.deepEqual(
    plan({ DIB_DISTRIBUTION_MIRROR: MIRROR, DIB_RELEASE: 'tumbleweed' }, 'arm64').repos.map((r) => r.url),
    [`${MIRROR}/ports/aarch64/tumbleweed/repo/oss/`],
  );
  // a local directory is a dir:// URL
  assert.equal(plan({ DIB_DISTRIBUTION_MIRROR: '/srv/opensuse' }).repos[0]!.url, 'dir:///srv/opensuse/distribution/leap/16.0/repo/oss/x86_64/');
});

test('DIB_ZYPPER_REPOS replaces the release repositories (repo-NAME; only repo-update refreshes on Leap) and needs no mirror', () => {
  const p = plan({ DIB_RELEASE: '15.6', DIB_ZYPPER_REPOS: 'update=>http://smt.invalid/u/ SLE-15=>http://smt.invalid/ga/ ' });
  assert.deepEqual(p.repos, [
    { name: 'repo-update', url: 'http://smt.invalid/u/', refresh: true },
    { name: 'repo-SLE-15', url: 'http://smt.invalid/ga/', refresh: false },
  ]);
  assert.ok(plan({ DIB_RELEASE: 'tumbleweed', DIB_ZYPPER_REPOS: 'oss=>http://m.invalid/' }).repos.every((r) => r.refresh));
  for (const bad of ['oss', '=>http://m.invalid/', 'o s=>x', 'oss=>']) {
    assert.throws(
      () => plan({ DIB_ZYPPER_REPOS: bad }),
      (e: unknown) => e instanceof KilnError && e.where === 'DIB_ZYPPER_REPOS',
      bad,
    );
  }
  assert.throws(() => plan({ DIB_ZYPPER_REPOS: 'a=>http://x.invalid/ a=>http://y.invalid/' }), /names 'a' twice/);
});

test('the repo files and the zypper argv (golden)', () => {
  const p = plan({ DIB_DISTRIBUTION_MIRROR: MIRROR, DIB_RELEASE: '15.6' });
  assert.equal(
    formatRepoFile(p.repos[1]!),
    `[repo-update]\nname=repo-update\nenabled=1\nautorefresh=1\nbaseurl=${MIRROR}/update/leap/15.6/oss/\ntype=rpm-md\ngpgcheck=1\nkeeppackages=0\n`,
  );
  assert.deepEqual([...planRepoFiles(p).keys()], ['repo-oss.repo', 'repo-update.repo', 'repo-sle-update.repo', 'repo-backports-update.repo']);
  const d = privateDirLayout('/ws/tmp/zypper');
  assert.deepEqual(planZypperInstall(p, '/ws/tree', d), [
    'zypper',
    '--non-interactive',
    '--root',
    '/ws/tree',
    '--reposd-dir',
    '/ws/tmp/zypper/repos.d',
    '--raw-cache-dir',
    '/ws/tmp/zypper/cache/raw',
    '--pkg-cache-dir',
    '/ws/tmp/zypper/cache/packages',
    '--gpg-auto-import-keys',
    'install',
    '--no-recommends',
    ...p.packages,
  ]);
  assert.deepEqual(planZypperEnv(d), {
    HOME: '/ws/tmp/zypper/home',
    ZYPP_CONF: '/ws/tmp/zypper/zypp.conf',
    ZYPP_LOCKFILE_ROOT: '/ws/tmp/zypper/lock',
    ZYPP_LOGFILE: '/ws/tmp/zypper/zypper.log',
  });
  assert.equal(planRpmMacros(p), '%_dbpath /usr/lib/sysimage/rpm\n');
  const off = plan({ DIB_DISTRIBUTION_MIRROR: MIRROR, KILN_ZYPPER_NO_GPG_CHECKS: '1' });
  const argv = planZypperInstall(off, '/t', d);
  assert.ok(argv.includes('--no-gpg-checks') && !argv.includes('--gpg-auto-import-keys'), argv.join(' '));
  // the cached tarball never holds what was mounted
  for (const x of ['./proc/*', './sys/*', './dev/*']) assert.ok(planPack('/c.tar.zst', '/t').includes(`--exclude=${x}`));
});

test('no mirror and no DIB_ZYPPER_REPOS is a KilnError naming DIB_DISTRIBUTION_MIRROR, with a hint; bad release, arch and mirror too', () => {
  assert.throws(
    () => plan({}),
    (e: unknown) =>
      e instanceof KilnError &&
      e.where === 'DIB_DISTRIBUTION_MIRROR' &&
      /opensuse needs a package mirror/.test(e.message) &&
      /DIB_ZYPPER_REPOS/.test(e.hint ?? '') &&
      /no mirror host/.test(e.hint ?? ''),
  );
  assert.throws(
    () => plan({ DIB_DISTRIBUTION_MIRROR: MIRROR, DIB_RELEASE: '42.3' }),
    (e: unknown) => e instanceof KilnError && e.where === 'DIB_RELEASE' && /unknown opensuse release '42.3'/.test(e.message) && /16\.0/.test(e.hint ?? ''),
  );
  assert.throws(
    () => plan({ DIB_DISTRIBUTION_MIRROR: MIRROR }, 'i386'),
    (e: unknown) => e instanceof KilnError && e.where === 'ARCH',
  );
  assert.throws(() => plan({ DIB_DISTRIBUTION_MIRROR: 'mirror.invalid/opensuse' }), /not a URL or an absolute path/);
});

test('a data file without repositories for a release is refused, naming it', () => {
  assert.throws(() => parseZypperData('releases: { x: { repos: [] } }\narchitectures: {}\npackages: []\n', '/d/opensuse.yaml'), /release 'x' has no repos/);
  assert.throws(() => parseZypperData('releases: {}\n', '/d/opensuse.yaml'), /not a distro data file/);
});

test('the cache key follows the repositories, the packages and the GPG setting', () => {
  const key = (env: Record<string, string>) => cacheKey(zypperCacheInputs(plan({ DIB_DISTRIBUTION_MIRROR: MIRROR, ...env })));
  assert.equal(key({}), key({}));
  assert.notEqual(key({}), key({ DIB_DISTRIBUTION_MIRROR: 'http://other.invalid/' }));
  assert.notEqual(key({}), key({ KILN_ZYPPER_NO_GPG_CHECKS: '1' }));
  assert.notEqual(key({}), key({ DIB_RELEASE: 'tumbleweed' }));
});

test('the registry has opensuse (rpm family): describe() shows zypper, the repositories and the packages; architectures are canonical', () => {
  assert.ok(distroDriverNames().includes('opensuse'));
  const d = distroDriver('opensuse');
  assert.equal(d.family, 'rpm');
  const desc = d.describe(request({ DIB_DISTRIBUTION_MIRROR: MIRROR }));
  assert.equal(desc.driver, 'opensuse');
  assert.equal(desc.family, 'rpm');
  assert.equal(desc.tool, 'zypper');
  assert.equal(desc.release, '16.0');
  assert.deepEqual(desc.repos, [{ name: 'repo-oss', url: `${MIRROR}/distribution/leap/16.0/repo/oss/x86_64/` }]);
  assert.ok(desc.packages.includes('kernel-default'));
  assert.deepEqual(d.architectures({ settings: settings({}) }), ['amd64', 'arm64']);
  assert.ok(d.tools(request({})).some((t) => t.tool === 'zypper'));
});

test('bootstrap without a mirror stops before running anything', async () => {
  const calls: string[] = [];
  class NoRunner extends Runner {
    override async run(cmd: string): Promise<never> {
      calls.push(cmd);
      throw new Error('must not run');
    }
  }
  await assert.rejects(
    distroDriver('opensuse').bootstrap(request({}, new NoRunner())),
    (e: unknown) => e instanceof KilnError && e.where === 'DIB_DISTRIBUTION_MIRROR',
  );
  assert.deepEqual(calls, []);
});

test("opensuse-minimal and opensuse are Kiln's own elements (no longer refused); they resolve to Kiln's elements and select the opensuse driver", () => {
  for (const name of ['opensuse-minimal', 'opensuse', 'zypper-minimal']) assert.equal(unsupportedDistroElement(name), undefined, name);
  assert.equal(KILN_DISTRO_ELEMENTS['opensuse-minimal'], 'opensuse');
  const dir = resolve('elements');
  const index = scanElements([dir]);
  const set = resolveElementSet(index, ['opensuse-minimal', 'vm', 'block-device-mbr']).elements;
  const names = set.map((e) => e.name);
  for (const n of ['opensuse-minimal', 'zypper-minimal', 'zypper', 'package-installs', 'install-bin', 'sysprep', 'vm', 'bootloader'])
    assert.ok(names.includes(n), n);
  for (const e of set) assert.equal(e.path, join(dir, e.name));
  assert.ok(!names.some((n) => n.startsWith('debian') || n === 'dpkg'));
  const os = set.find((e) => e.name === 'opensuse-minimal')!;
  assert.ok(os.provides.includes('operating-system'));
  const cloud = resolveElementSet(index, ['opensuse']).elements.map((e) => e.name);
  assert.ok(cloud.includes('opensuse-minimal') && cloud.includes('openssh-server'));
});

test("GRUB's configuration finds openSUSE's initrd-<version> next to vmlinuz-<version>", () => {
  const tree = mkdtempSync(join(tmpdir(), 'kiln-opensuse-boot-'));
  try {
    mkdirSync(join(tree, 'boot'));
    for (const f of ['vmlinuz-6.12.0-160000.5-default', 'initrd-6.12.0-160000.5-default']) writeFileSync(join(tree, 'boot', f), '');
    assert.deepEqual(findKernel(tree), {
      kernel: 'vmlinuz-6.12.0-160000.5-default',
      initrd: 'initrd-6.12.0-160000.5-default',
      version: '6.12.0-160000.5-default',
    });
  } finally {
    rmSync(tree, { recursive: true, force: true });
  }
});

test("kiln plan opensuse-minimal vm shows the opensuse driver (rpm, zypper, the repositories); element-info resolves it to Kiln's elements", () => {
  const r = runCli('kiln', ['plan', '-a', 'amd64', '-o', '/nonexistent/x', 'opensuse-minimal', 'vm'], {
    env: { DIB_DISTRIBUTION_MIRROR: MIRROR, DIB_RELEASE: 'tumbleweed' },
  });
  assert.equal(r.status, 0, r.stderr);
  const b = JSON.parse(r.stdout).bootstrap;
  assert.equal(b.driver, 'opensuse');
  assert.equal(b.element, 'opensuse-minimal');
  assert.equal(b.plan.family, 'rpm');
  assert.equal(b.plan.tool, 'zypper');
  assert.equal(b.plan.release, 'tumbleweed');
  assert.equal(b.plan.repos[0].url, `${MIRROR}/tumbleweed/repo/oss/`);
  assert.ok(b.plan.packages.includes('kernel-default'));
  const none = runCli('kiln', ['plan', '-o', '/nonexistent/x', 'opensuse-minimal'], { env: { DIB_DISTRIBUTION_MIRROR: '' } });
  assert.match(JSON.parse(none.stdout).bootstrap.plan.error, /DIB_DISTRIBUTION_MIRROR is not set/);
  // as in DIB, vm's block-device is provided by a block-device-* element (disk-image-create adds block-device-mbr)
  const info = runCli('element-info', ['opensuse-minimal', 'vm', 'block-device-mbr']);
  assert.equal(info.status, 0, info.stderr);
  assert.deepEqual(info.stdout.trim().split(' '), [
    'block-device-mbr',
    'bootloader',
    'install-bin',
    'opensuse-minimal',
    'package-installs',
    'pkg-map',
    'sysprep',
    'vm',
    'zypper',
    'zypper-minimal',
  ]);
});

test('a cached bootstrap older than KILN_BOOTSTRAP_MAX_AGE_DAYS is rebuilt online and used offline (every driver)', () => {
  const entry = { key: 'k'.repeat(64), created: new Date(Date.now() - 10 * 86_400_000).toISOString() } as Parameters<typeof usableEntry>[1] & object;
  const req = (env: Record<string, string>, offline: boolean) => ({ ...request(env), offline });
  assert.equal(usableEntry(req({}, false), entry), undefined);
  assert.equal(usableEntry(req({}, true), entry), entry);
  assert.equal(usableEntry(req({ KILN_BOOTSTRAP_MAX_AGE_DAYS: '30' }, false), entry), entry);
  assert.equal(usableEntry(req({}, false), undefined), undefined);
});
