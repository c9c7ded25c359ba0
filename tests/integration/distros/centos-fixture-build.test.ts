/**
 * A whole `disk-image-create centos-minimal -t tar` build from a fixture CentOS Stream mirror
 * (tests/helpers/rpm-repo.ts), offline. The fixture's packages make a tree the hooks can run in:
 * the host's static busybox with its applets, the host's bash with its libraries, and a stand-in
 * for `rpm -q --whatprovides` (the tree has no real rpm) that answers from the names the
 * fixture's base-set package Provides, so install-packages finds the package-installs of
 * yum-minimal and redhat-common installed. The data file (KILN_DISTRO_DATA_DIR) is Kiln's
 * centos.yaml with the fixture's package set. The image is checked from the tarball with the
 * host's rpm and tar.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DISTROS_DIR } from '../../../src/distros/debian-data.js';
import { currentIdentity } from '../../../src/sandbox/identity.js';
import { runCli } from '../../helpers/cli.js';
import { findTool } from '../../helpers/host-tools.js';
import { baseFixturePackages, buildRpmRepo, makeSigningKey, type FixtureRpm } from '../../helpers/rpm-repo.js';
import { cachedKernel, testInitramfs } from '../bootloader/test-os.js';

const identity = currentIdentity();
const skip = !identity.privileged && process.env.CI !== 'true' ? 'needs root (or CI)' : false;
const RPM_ARCH = process.arch === 'arm64' ? 'aarch64' : 'x86_64';

// yum-minimal's and redhat-common's package-installs for centos 9-stream (lsb_release mapped)
const BASE_SET = [
  'audit',
  'dracut',
  'dracut-config-generic',
  'grubby',
  'kernel',
  'initscripts',
  'man-pages',
  'ed',
  'hostname',
  'patch',
  'postfix',
  'tar',
  'time',
  'redhat-rpm-config',
  'NetworkManager',
  'dhcp-client',
  'lsof',
  'tcpdump',
  'traceroute',
  'which',
  'gettext',
  'ca-certificates',
  'rng-tools',
  'passwd',
];

/** The host's bash and the libraries it loads, at their merged-/usr paths. */
function bashPackage(): FixtureRpm {
  const bash = realpathSync(findTool('bash')!);
  const copy: Record<string, string> = { '/usr/bin/bash': bash };
  for (const line of execFileSync('ldd', [bash], { encoding: 'utf8' }).split('\n')) {
    const m = line.match(/(?:=>\s*)?(\/\S+)\s+\(0x/);
    if (!m) continue;
    const path = m[1]!;
    copy[path.startsWith('/usr/') ? path : `/usr${path}`] = realpathSync(path);
  }
  return { name: 'fixture-bash', arch: RPM_ARCH, requires: ['filesystem'], copy };
}

function busyboxPackage(busybox: string): FixtureRpm {
  const applets = execFileSync(busybox, ['--list'], { encoding: 'utf8' })
    .split('\n')
    .filter((a) => a && !['bash', 'rpm', 'sh', 'echo', 'cat', 'busybox'].includes(a));
  const base = baseFixturePackages(busybox, RPM_ARCH).find((p) => p.name === 'fixture-sh')!;
  return { ...base, symlinks: { ...base.symlinks, ...Object.fromEntries(applets.map((a) => [`/usr/bin/${a}`, 'busybox'])) } };
}

const TEST_USER = 'kiln-test';

/** Why the rootless test cannot run (no test user with subordinate ids: scripts/setup-test-user); in CI that is a failure. */
function testUserMissing(): string | undefined {
  const r = spawnSync('id', ['-u', TEST_USER]);
  const ok =
    r.status === 0 &&
    readFileSync('/etc/subuid', 'utf8')
      .split('\n')
      .some((l) => l.startsWith(`${TEST_USER}:`));
  if (ok) return undefined;
  if (process.env.CI === 'true') throw new Error(`user ${TEST_USER} with subordinate ids missing: run scripts/setup-test-user`);
  return `no user ${TEST_USER} with subordinate ids (scripts/setup-test-user)`;
}

interface Fixture {
  work: string;
  mirror: string;
  publicKey: string;
  dataDir: string;
}

/**
 * A kernel package for a bootable fixture: Debian's kernel (tests/integration/bootloader/test-os.ts)
 * with the Red Hat family's initramfs name, holding the test busybox initramfs whose /init prints a
 * marker and a login prompt.
 */
function kernelPackage(work: string): FixtureRpm {
  const k = cachedKernel();
  const initramfs = join(work, 'initramfs.img');
  writeFileSync(initramfs, testInitramfs(findTool('busybox')!));
  return { name: 'fixture-kernel', arch: RPM_ARCH, copy: { [`/boot/vmlinuz-${k.version}`]: k.path, [`/boot/initramfs-${k.version}.img`]: initramfs } };
}

/**
 * The Red Hat family's GRUB packages, as the bootloader element's pkg-map names them for BIOS:
 * grub2-pc-modules holds the host's i386-pc modules at the path Fedora's package uses.
 */
const GRUB_PACKAGES = ['grub2-tools', 'grub2-pc-modules'];

function grubPackages(): FixtureRpm[] {
  const dir = '/usr/lib/grub/i386-pc';
  const copy = Object.fromEntries(
    readdirSync(dir)
      .filter((f) => statSync(join(dir, f)).isFile())
      .map((f) => [`${dir}/${f}`, join(dir, f)]),
  );
  return [
    { name: 'grub2-pc-modules', arch: 'noarch', copy },
    { name: 'grub2-tools', arch: RPM_ARCH, files: { '/usr/share/doc/grub2-tools/README': 'Kiln test fixture: the package name only\n' } },
  ];
}

function fixture(opts: { bootable?: boolean } = {}): Fixture {
  for (const t of ['dnf', 'rpmbuild', 'createrepo_c', 'rpmsign', 'gpg', 'ldd']) assert.ok(findTool(t), `${t} is not installed (scripts/setup installs it)`);
  const busybox = findTool('busybox');
  assert.ok(busybox, 'busybox is not installed (busybox-static)');
  const work = mkdtempSync(join(tmpdir(), 'kiln-centos-fixture-'));
  chmodSync(work, 0o755);
  const key = makeSigningKey(work);
  const mirror = join(work, 'mirror');
  const base = baseFixturePackages(busybox, RPM_ARCH).filter((p) => p.name !== 'fixture-sh');
  base[0] = {
    ...base[0]!,
    dirs: [...(base[0]!.dirs ?? []), '/usr/lib', '/usr/lib64', '/proc', '/sys', '/dev', '/run', '/boot'],
    symlinks: { '/bin': 'usr/bin', '/sbin': 'usr/bin', '/lib': 'usr/lib', '/lib64': 'usr/lib64', '/usr/sbin': 'bin' },
  };
  buildRpmRepo(
    join(mirror, '9-stream/BaseOS', RPM_ARCH, 'os'),
    [
      ...base,
      busyboxPackage(busybox),
      bashPackage(),
      ...(opts.bootable ? [kernelPackage(work), ...grubPackages()] : []),
      {
        name: 'fixture-rpm-query',
        requires: ['/bin/sh'],
        files: {
          '/usr/bin/rpm':
            '#!/bin/sh\n# Kiln test fixture: answers only `rpm -q --whatprovides NAME`, from the names fixture-base-set provides\n[ "$1" = -q ] && [ "$2" = --whatprovides ] || { echo "fixture rpm: only -q --whatprovides" >&2; exit 2; }\ngrep -qx "$3" /usr/share/kiln-fixture/provides\n',
        },
      },
      {
        name: 'fixture-base-set',
        provides: BASE_SET,
        files: {
          // what the stand-in rpm answers for: the base set, and the GRUB packages the bootstrap installs
          '/usr/share/kiln-fixture/provides': `${[...BASE_SET, ...(opts.bootable ? GRUB_PACKAGES : [])].join('\n')}\n`,
          '/etc/yum.repos.d/centos.repo': "[baseos]\nname=the distro's own repository file\nmetalink=http://metalink.invalid/\n",
          '/etc/sudoers': 'Defaults    requiretty\nDefaults    secure_path = /sbin:/bin:/usr/sbin:/usr/bin\nroot ALL=(ALL) ALL\n',
        },
      },
    ],
    { sign: key },
  );
  buildRpmRepo(join(mirror, '9-stream/AppStream', RPM_ARCH, 'os'), [], { sign: key });
  const dataDir = join(work, 'data');
  mkdirSync(dataDir);
  const data = readFileSync(join(DISTROS_DIR, 'centos.yaml'), 'utf8')
    .replace(/^kernel: kernel$/m, 'kernel: null')
    .replace(
      /^packages:\n(?: {2}(?:- .*|#.*)\n)+/m,
      `packages: [setup, fixture-sh, fixture-bash, fixture-rpm-query, fixture-base-set${opts.bootable ? `, fixture-kernel, ${GRUB_PACKAGES.join(', ')}` : ''}]\n`,
    )
    .replace(/^release_packages:\n(?: {2}.*\n)+/m, 'release_packages: {}\n');
  writeFileSync(join(dataDir, 'centos.yaml'), data);
  return { work, mirror, publicKey: key.publicKey, dataDir };
}

/** disk-image-create centos-minimal -t tar from the fixture (as `user` when given), checked from the tarball. */
function buildAndCheck(f: Fixture, user?: string): void {
  const { work, mirror, publicKey, dataDir } = f;
  const dir = mkdtempSync(join(work, user ? `as-${user}-` : 'as-root-'));
  if (user) execFileSync('chown', [user, dir]);
  // a test element that records /etc/yum.repos.d in install.d, while the build uses it
  const elements = join(dir, 'elements');
  mkdirSync(join(elements, 'record-repos/install.d'), { recursive: true });
  writeFileSync(
    join(elements, 'record-repos/install.d/50-record-repos'),
    '#!/bin/sh\nset -eu\nls /etc/yum.repos.d > /var/lib/kiln-fixture-repos-during-build\n',
    { mode: 0o755 },
  );
  // a repo file of the user's (DIB_YUM_REPO_CONF): in the bootstrap and the build, gone at the end
  const conf = join(dir, 'extra.repo');
  writeFileSync(conf, `[extra]\nname=extra\nbaseurl=file://${mirror}/9-stream/AppStream/${RPM_ARCH}/os\ngpgcheck=1\ngpgkey=file://${publicKey}\n`);
  const out = join(dir, 'out');
  mkdirSync(out);
  if (user) execFileSync('chown', [user, out]);
  const r = runCli('disk-image-create', ['centos-minimal', 'record-repos', '-t', 'tar', '-o', join(out, 'c')], {
    env: {
      ELEMENTS_PATH: elements,
      DIB_YUM_REPO_CONF: conf,
      KILN_DISTRO_DATA_DIR: dataDir,
      DIB_DISTRIBUTION_MIRROR: `file://${mirror}`,
      DIB_DNF_GPG_KEYS: publicKey,
      DIB_AVOID_PACKAGES_UPDATE: '1',
      DIB_IMAGE_CACHE: join(dir, 'cache'),
      TMP_DIR: dir,
    },
    timeoutMs: 14 * 60_000,
    ...(user ? { user } : {}),
  });
  assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
  const log = r.stderr + r.stdout;
  assert.match(log, /centos 9-stream \S+ with dnf --installroot/);
  for (const hook of [
    'root.d/10-yum-minimal-base',
    'extra-data.d/99-yum-repo-conf',
    'pre-install.d/00-kiln-yum-mirror',
    'pre-install.d/01-override-yum-arch',
    'cleanup.d/95-remove-yum-mirror',
  ]) {
    assert.ok(log.includes(`-> ${hook} `), hook);
  }
  // package-installs found yum-minimal's and redhat-common's packages installed: no dnf in the image needed
  assert.match(log, /Not running install-packages install with empty packages list/);
  // owned by root of the image, whoever built it
  const listing = execFileSync('tar', ['--numeric-owner', '-tvf', join(out, 'c.tar')], { encoding: 'utf8', maxBuffer: 1 << 26 });
  assert.match(listing, /^-\S+ 0\/0 .* \.\/etc\/passwd$/m);
  assert.match(listing, /^-\S+ 0\/0 .* \.\/usr\/bin\/bash$/m);
  const tree = join(dir, 'image');
  mkdirSync(tree);
  execFileSync('tar', ['-C', tree, '--numeric-owner', '-xpf', join(out, 'c.tar')]);
  const pkgs = execFileSync('rpm', ['-qa', '--root', tree, '--dbpath', '/var/lib/rpm', '--qf', '%{NAME}\n'], { encoding: 'utf8' })
    .split('\n')
    .filter(Boolean)
    .sort();
  for (const p of ['filesystem', 'setup', 'fixture-base-set', 'fixture-bash', 'gpg-pubkey']) assert.ok(pkgs.includes(p), pkgs.join(' '));
  // NAME.d/pin.json records the same packages (rpm's database, gpg-pubkey entries aside)
  const pin = JSON.parse(readFileSync(join(out, 'c.d/pin.json'), 'utf8')) as { packageManager: string; packages: { name: string }[] };
  assert.equal(pin.packageManager, 'rpm');
  assert.deepEqual(
    pin.packages.map((p) => p.name).sort(),
    pkgs.filter((p) => p !== 'gpg-pubkey'),
  );
  const provides = spawnSync('rpm', ['-q', '--root', tree, '--dbpath', '/var/lib/rpm', '--whatprovides', 'kernel'], { encoding: 'utf8' });
  assert.match(provides.stdout, /^fixture-base-set-/);
  const read = (p: string) => readFileSync(join(tree, p), 'utf8');
  assert.equal(read('var/lib/setup-post'), 'setup %post ran with 1\n');
  // yum-minimal: the mirror's repositories and keys are gone, the distro's own file is back
  assert.ok(!existsSync(join(tree, 'etc/yum.repos.d/dib-mirror-centos.repo')));
  assert.match(read('etc/yum.repos.d/centos.repo'), /the distro's own repository file/);
  assert.deepEqual(read('var/lib/kiln-fixture-repos-during-build').trim().split('\n'), ['centos.repo.USING_MIRROR', 'dib-mirror-centos.repo', 'extra.repo']);
  assert.ok(!existsSync(join(tree, 'etc/yum.repos.d/extra.repo')), "the user's repo file is removed at the end");
  assert.ok(!existsSync(join(tree, 'etc/yum.repos.d/centos.repo.USING_MIRROR')));
  assert.ok(!existsSync(join(tree, 'etc/pki/rpm-gpg/dib-mirror-centos-1.key')));
  assert.equal(read('etc/locale.conf'), 'LANG="en_US.UTF-8"\n');
  assert.match(read('etc/rpm/macros.langs'), /%_install_langs C:C\.UTF-8:en_US:en_US\.UTF-8/);
  // rpm-distro: dnf's variables for ARCH, sudo without requiretty and with /usr/local/bin
  assert.equal(read('etc/dnf/vars/basearch'), `${RPM_ARCH}\n`);
  assert.equal(read('etc/dnf/vars/contentdir'), RPM_ARCH === 'x86_64' ? 'centos\n' : 'altarch\n');
  assert.doesNotMatch(read('etc/sudoers'), /requiretty/);
  assert.match(read('etc/sudoers'), /secure_path = .*:\/usr\/local\/bin\/$/m);
  // the yum element's install-packages is in the image
  assert.match(read('usr/local/bin/install-packages'), /install-packages for dnf/);
}

test('disk-image-create centos-minimal -t tar from a fixture mirror: every phase, the dnf bootstrap, the mirror repositories removed at the end', {
  skip,
  timeout: 15 * 60_000,
}, () => {
  const f = fixture();
  try {
    buildAndCheck(f);
  } finally {
    rmSync(f.work, { recursive: true, force: true });
  }
});

test('the same build as the unprivileged test user: dnf runs as root of the tree in a user namespace; the tar has root-owned files', {
  skip: skip || (testUserMissing() ?? false),
  timeout: 15 * 60_000,
}, () => {
  const f = fixture();
  try {
    buildAndCheck(f, TEST_USER);
  } finally {
    rmSync(f.work, { recursive: true, force: true });
  }
});

test("a bootable fixture: centos-minimal vm from RPMs holding Debian's kernel, a busybox initramfs and GRUB's modules as grub2-pc-modules, assembled and booted to its console", {
  skip: skip || (!existsSync('/usr/lib/grub/i386-pc/kernel.img') && process.env.CI !== 'true' ? 'no host GRUB modules (grub-pc-bin)' : false),
  timeout: 15 * 60_000,
}, () => {
  const f = fixture({ bootable: true });
  try {
    const out = join(f.work, 'out');
    mkdirSync(out);
    const r = runCli('disk-image-create', ['centos-minimal', 'vm', '-t', 'raw', '--boot-test', '-o', join(out, 'boot')], {
      env: {
        KILN_DISTRO_DATA_DIR: f.dataDir,
        DIB_DISTRIBUTION_MIRROR: `file://${f.mirror}`,
        DIB_DNF_GPG_KEYS: f.publicKey,
        DIB_AVOID_PACKAGES_UPDATE: '1',
        DIB_IMAGE_CACHE: join(f.work, 'cache'),
        TMP_DIR: f.work,
      },
      timeoutMs: 14 * 60_000,
    });
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
    const log = r.stderr + r.stdout;
    assert.match(log, /centos 9-stream \S+ with dnf --installroot/);
    // the bootloader element asks for its pkg-map's Red Hat names (the tree has no dnf: a Debian
    // name would fail the build), which the bootstrap installed; GRUB is written from the image's modules
    assert.match(log, /install\.d\/50-bootloader-packages \(bootloader\)\n.*Not running install-packages install with empty packages list/);
    assert.match(log, /GRUB i386-pc: modules from the image: \S+\/usr\/lib\/grub\/i386-pc/);
    assert.match(log, /boot test: \S+boot\.raw reached the login prompt in [\d.]+ s \(amd64, BIOS, (tcg|kvm)\)/);
  } finally {
    rmSync(f.work, { recursive: true, force: true });
  }
});
