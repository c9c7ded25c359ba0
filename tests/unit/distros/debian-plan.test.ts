import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cacheKey } from '../../../src/cache/key.js';
import { baseTools } from '../../../src/build/preflight.js';
import { debianCacheInputs, debianDriver, mmdebstrapMode, planBootstrapCommand, planUnpack } from '../../../src/distros/debian.js';
import type { BootstrapRequest } from '../../../src/distros/types.js';
import type { Identity } from '../../../src/sandbox/identity.js';
import { NO_FLAGS, readSettings } from '../../../src/config/read-settings.js';
import { loadDebianData } from '../../../src/distros/debian-data.js';
import { INITRAMFS_DIVERT, planDebianBootstrap, planMmdebstrap } from '../../../src/distros/debian-plan.js';

const data = loadDebianData();
const plan = (env: Record<string, string>, arch = 'amd64') => planDebianBootstrap(data, arch, readSettings(env, NO_FLAGS, 'bootstrap'));

test('default plan: stable, main, minbase, the debian-minimal package set with the kernel', () => {
  const p = plan({});
  assert.equal(p.release.suite, 'stable');
  assert.deepEqual(p.components, ['main']);
  assert.equal(p.mirror, null);
  for (const pkg of ['linux-image-amd64', 'systemd-sysv', 'udev', 'initramfs-tools', 'busybox', 'sudo', 'python3', 'netbase', 'locales']) {
    assert.ok(p.packages.includes(pkg), pkg);
  }
  assert.deepEqual(p.packages, [...p.packages].sort(), 'sorted (stable cache keys)');
  assert.ok(!p.packages.includes('cloud-initramfs-growroot'));
  assert.ok(plan({ DIB_RELEASE: 'bullseye' }).packages.includes('cloud-initramfs-growroot'));
  assert.ok(plan({}, 'arm64').packages.includes('linux-image-arm64'));
});

test('planMmdebstrap: root mode, no mirror argument by default, update-initramfs diverted', () => {
  const argv = planMmdebstrap({ plan: plan({ DIB_RELEASE: 'bookworm' }), mode: 'root', output: '/c/x.tar.zst' });
  assert.equal(argv[0], 'mmdebstrap');
  assert.ok(argv.includes('--mode=root'));
  assert.ok(argv.includes('--variant=minbase'));
  assert.ok(argv.includes('--arch=amd64'));
  assert.ok(argv.includes('--components=main'));
  assert.ok(argv.includes('--skip=cleanup/apt/lists'), 'package lists kept for pre-install.d');
  assert.ok(argv.some((a) => a.startsWith('--include=') && a.includes('linux-image-amd64')));
  const hooks = argv.filter((a) => a.startsWith('--essential-hook='));
  assert.equal(hooks.length, 2);
  assert.match(hooks[0]!, new RegExp(`dpkg-divert .*--divert ${INITRAMFS_DIVERT} --add /usr/sbin/update-initramfs`));
  assert.match(hooks[1]!, /exit 0.*chmod 755 "\$1\/usr\/sbin\/update-initramfs"/);
  assert.deepEqual(argv.slice(-2), ['bookworm', '/c/x.tar.zst'], 'suite and target last: mmdebstrap picks the mirror');
});

test('planMmdebstrap: unprivileged builds use --mode=unshare', () => {
  const argv = planMmdebstrap({ plan: plan({}), mode: 'unshare', output: 'o.tar.zst' });
  assert.ok(argv.includes('--mode=unshare'));
  assert.ok(!argv.includes('--mode=root'));
});

test('DIB_DISTRIBUTION_MIRROR: main and -updates from the mirror; security only with DIB_DEBIAN_SECURITY_MIRROR', () => {
  const m = 'http://mirror.invalid/debian';
  let argv = planMmdebstrap({
    plan: plan({ DIB_RELEASE: 'bookworm', DIB_DISTRIBUTION_MIRROR: m, DIB_DEBIAN_COMPONENTS: 'main,contrib' }),
    mode: 'root',
    output: 'o',
  });
  assert.ok(argv.includes('--components=main,contrib'));
  assert.deepEqual(argv.slice(-3), ['o', `deb ${m} bookworm main contrib`, `deb ${m} bookworm-updates main contrib`]);
  argv = planMmdebstrap({
    plan: plan({ DIB_RELEASE: 'bookworm', DIB_DISTRIBUTION_MIRROR: m, DIB_DEBIAN_SECURITY_MIRROR: 'http://sec.invalid/debian-security' }),
    mode: 'root',
    output: 'o',
  });
  assert.equal(argv.at(-1), 'deb http://sec.invalid/debian-security bookworm-security main');
  argv = planMmdebstrap({
    plan: plan({ DIB_RELEASE: 'sid', DIB_DISTRIBUTION_MIRROR: m, DIB_DEBIAN_SECURITY_MIRROR: 'http://s.invalid/' }),
    mode: 'root',
    output: 'o',
  });
  assert.deepEqual(argv.slice(-2), ['o', `deb ${m} sid main`], 'sid has neither updates nor security');
  assert.equal(plan({ DIB_DISTRIBUTION_MIRROR: 'http://a.invalid/', DIB_DEBIAN_DISTRIBUTION_MIRROR: 'http://b.invalid/' }).mirror, 'http://b.invalid/');
});

test('DIB_APT_KEYRING and DIB_DEBOOTSTRAP_EXTRA_ARGS translate to mmdebstrap options', () => {
  const p = plan({ DIB_APT_KEYRING: '/k.gpg', DIB_DEBOOTSTRAP_EXTRA_ARGS: '--include=vim,less --no-check-gpg --aptopt=X' });
  assert.ok(p.packages.includes('vim') && p.packages.includes('less'));
  const argv = planMmdebstrap({ plan: p, mode: 'root', output: 'o' });
  assert.ok(argv.includes('--keyring=/k.gpg'));
  assert.ok(argv.includes('--aptopt=X'));
  assert.ok(argv.includes('--aptopt=Acquire::AllowInsecureRepositories "true"'));
  assert.throws(() => plan({ DIB_DEBOOTSTRAP_EXTRA_ARGS: '--foreign' }), /'--foreign' has no mmdebstrap equivalent/);
  assert.throws(() => plan({ DIB_DEBIAN_DEBOOTSTRAP_SCRIPT: '/usr/share/debootstrap/scripts/sid' }), /not supported/);
});

test('cache inputs: the key follows release, mirror, components and packages, not env noise', () => {
  const key = (env: Record<string, string>) => cacheKey(debianCacheInputs(plan(env)));
  const k = key({ DIB_RELEASE: 'bookworm' });
  assert.equal(key({ DIB_RELEASE: 'bookworm', DIB_DEV_USER_USERNAME: 'x', DIB_GRUB_TIMEOUT: '0' }), k);
  assert.notEqual(key({ DIB_RELEASE: 'trixie' }), k);
  assert.notEqual(key({ DIB_RELEASE: 'bookworm', DIB_DISTRIBUTION_MIRROR: 'http://m.invalid/' }), k);
  assert.notEqual(key({ DIB_RELEASE: 'bookworm', DIB_DEBIAN_COMPONENTS: 'main,contrib' }), k);
  assert.notEqual(key({ DIB_RELEASE: 'bookworm', DIB_DEBOOTSTRAP_EXTRA_ARGS: '--include=vim' }), k);
  // mmdebstrap makes another tree with SOURCE_DATE_EPOCH: a bootstrap made without it (or with another) is not reused
  const sde = key({ DIB_RELEASE: 'bookworm', SOURCE_DATE_EPOCH: '1700000000' });
  assert.notEqual(sde, k);
  assert.notEqual(key({ DIB_RELEASE: 'bookworm', SOURCE_DATE_EPOCH: '1700000001' }), sde);
  assert.equal(key({ DIB_RELEASE: 'bookworm', SOURCE_DATE_EPOCH: '1700000000' }), sde);
});

test('planUnpack: owners kept; /dev excluded when mknod is impossible (a user namespace without fakeroot)', () => {
  const root = planUnpack(true, '/c/k.tar.zst', '/w/tree');
  assert.deepEqual(root.slice(0, 7), ['tar', '--zstd', '-C', '/w/tree', '--numeric-owner', '-xpf', '/c/k.tar.zst']);
  assert.ok(!root.some((a) => a.startsWith('--exclude')));
  assert.ok(planUnpack(false, '/c/k.tar.zst', '/w/tree').includes('--exclude=./dev/*'));
});

test('planBootstrapCommand: private mount and pid namespaces that die with Kiln, own session; unprivileged as root of the user namespace', () => {
  const root = { privileged: true, uid: 0, gid: 0, user: 'root' };
  const user = { privileged: false, uid: 1000, gid: 1000, user: 'u' };
  assert.deepEqual(planBootstrapCommand(root, ['mmdebstrap', 'x']), [
    'unshare',
    '--mount',
    '--propagation',
    'private',
    '--pid',
    '--fork',
    '--kill-child',
    '--',
    'setsid',
    'mmdebstrap',
    'x',
  ]);
  assert.deepEqual(planBootstrapCommand(user, ['mmdebstrap', 'x']), [
    'unshare',
    '--map-auto',
    '--map-root-user',
    '--mount',
    '--propagation',
    'private',
    '--pid',
    '--fork',
    '--kill-child',
    '--',
    'setsid',
    'mmdebstrap',
    'x',
  ]);
});

test('fakeroot mode: mmdebstrap --mode=fakechroot as the user, in IPC and pid namespaces of its own (no mounts, no tree namespace)', () => {
  const nosub = { privileged: false, uid: 1002, gid: 1002, user: 'n', fakeroot: { db: '/w/fakeroot.db' } };
  assert.equal(mmdebstrapMode(nosub), 'fakechroot');
  assert.equal(mmdebstrapMode({ privileged: false, uid: 1000, gid: 1000, user: 'u' }), 'unshare');
  assert.equal(mmdebstrapMode({ privileged: true, uid: 0, gid: 0, user: 'root' }), 'root');
  // root of a user namespace (rootless podman): unshare mode, which makes no device nodes
  assert.equal(mmdebstrapMode({ privileged: true, uid: 0, gid: 0, user: 'root', nodev: true }), 'unshare');
  assert.deepEqual(planBootstrapCommand(nosub, ['mmdebstrap', 'x']), [
    'unshare',
    '--map-current-user',
    '--ipc',
    '--pid',
    '--fork',
    '--kill-child',
    '--',
    'env',
    'FAKEROOTDONTTRYCHOWN=1',
    'setsid',
    'mmdebstrap',
    'x',
  ]);
  // root of a one-uid namespace: already in a user namespace, none is added
  const nsRoot = { privileged: true, uid: 0, gid: 0, user: 'root', fakeroot: { db: '/w/fakeroot.db' } };
  assert.deepEqual(planBootstrapCommand(nsRoot, ['m']).slice(0, 3), ['unshare', '--ipc', '--pid']);
  assert.ok(planMmdebstrap({ plan: plan({ DIB_RELEASE: 'bookworm' }), mode: 'fakechroot', output: 'o' }).includes('--mode=fakechroot'));
});

test('cache inputs: a fakechroot bootstrap keys on its mode; root and unshare share one key', () => {
  const p = plan({ DIB_RELEASE: 'bookworm' });
  assert.equal(cacheKey(debianCacheInputs(p, 'unshare')), cacheKey(debianCacheInputs(p, 'root')));
  assert.equal(cacheKey(debianCacheInputs(p)), cacheKey(debianCacheInputs(p, 'root')));
  assert.notEqual(cacheKey(debianCacheInputs(p, 'fakechroot')), cacheKey(debianCacheInputs(p)));
  assert.equal(debianCacheInputs(p, 'fakechroot').mode, 'fakechroot');
  assert.ok(!('mode' in debianCacheInputs(p, 'unshare')), 'keys of bootstraps cached before the mode existed stay valid');
});

test('tools: fakeroot mode needs fakechroot and no newuidmap; a user with subordinate ids needs newuidmap', () => {
  const req = (identity: Identity) =>
    ({
      arch: 'amd64',
      settings: readSettings({}, NO_FLAGS, 'bootstrap'),
      cacheDir: '',
      useCache: true,
      offline: false,
      target: '',
      runner: undefined,
      log: undefined,
      identity,
    }) as unknown as BootstrapRequest;
  const names = (identity: Identity) => debianDriver.tools(req(identity)).map((t) => t.tool);
  const nosub = names({ privileged: false, uid: 1002, gid: 1002, user: 'n', fakeroot: { db: '' } });
  assert.ok(nosub.includes('fakechroot'));
  assert.ok(!nosub.includes('newuidmap'));
  assert.ok(names({ privileged: false, uid: 1000, gid: 1000, user: 'u' }).includes('newuidmap'));
  assert.ok(!baseTools().some((t) => t.tool === 'newuidmap'), 'not needed by every build: the environment check asks for it with subordinate ids');
});
