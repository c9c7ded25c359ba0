/**
 * The ubuntu driver's data and plan (distros/ubuntu.yaml through the apt-family planner), the
 * driver registry, and the refusal of DIB distro elements Kiln does not have.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { NO_FLAGS, readSettings } from '../../../src/config/read-settings.js';
import { aptDataFile, DISTROS_DIR, loadDebianData } from '../../../src/distros/debian-data.js';
import { planDebianBootstrap, planMirrors, planMmdebstrap } from '../../../src/distros/debian-plan.js';
import { distroDriver, distroDriverNames, unsupportedDistroElement } from '../../../src/distros/index.js';
import { currentIdentity } from '../../../src/sandbox/identity.js';
import { Runner } from '../../../src/exec/runner.js';
import { silentLogger } from '../../../src/log.js';
import { KilnError } from '../../../src/errors.js';
import { resolveElementSet, ResolveError } from '../../../src/elements/resolve.js';
import { scanElements } from '../../../src/elements/scan.js';

const data = loadDebianData(aptDataFile('ubuntu'));
const MIRROR = 'http://mirror.invalid/ubuntu';
const plan = (env: Record<string, string>, arch = 'amd64') => planDebianBootstrap(data, arch, readSettings(env, NO_FLAGS, 'bootstrap'));

test('distros/ubuntu.yaml: noble by default, main+universe, jammy and noble known, mirror required', () => {
  assert.equal(data.name, 'ubuntu');
  assert.equal(data.defaultRelease, 'noble');
  assert.deepEqual(data.defaultComponents, ['main', 'universe']);
  assert.ok(data.releases.has('jammy') && data.releases.has('noble'));
  assert.equal(data.mirrorRequired, true);
  assert.equal(data.keyring, '/usr/share/keyrings/ubuntu-archive-keyring.gpg');
  assert.equal(data.grub.efiDir, 'EFI/ubuntu');
  assert.equal(data.initramfs, 'initramfs-tools');
});

test('ubuntu plan: linux-image-virtual, main+universe, the host keyring, -updates and -security from the mirror', () => {
  const p = plan({ DIB_DISTRIBUTION_MIRROR: MIRROR });
  assert.equal(p.distro, 'ubuntu');
  assert.equal(p.release.suite, 'noble');
  assert.ok(p.packages.includes('linux-image-virtual'));
  assert.ok(!p.packages.includes('linux-image-amd64'));
  assert.deepEqual(p.components, ['main', 'universe']);
  assert.equal(p.keyring, data.keyring);
  assert.deepEqual(planMirrors(p), [
    `deb ${MIRROR} noble main universe`,
    `deb ${MIRROR} noble-updates main universe`,
    `deb ${MIRROR} noble-security main universe`,
  ]);
  const argv = planMmdebstrap({ plan: p, mode: 'root', output: '/o.tar.zst' });
  assert.ok(argv.includes('--components=main,universe'));
  assert.ok(argv.includes(`--keyring=${data.keyring}`));
  assert.deepEqual(argv.slice(-5, -3), ['noble', '/o.tar.zst']);
});

test('ubuntu plan: DIB_APT_KEYRING, DIB_DEBIAN_COMPONENTS, DIB_RELEASE and the security mirror override the data', () => {
  const p = plan({
    DIB_DISTRIBUTION_MIRROR: MIRROR,
    DIB_APT_KEYRING: '/k.gpg',
    DIB_DEBIAN_COMPONENTS: 'main',
    DIB_RELEASE: 'jammy',
    DIB_DEBIAN_SECURITY_MIRROR: 'http://sec.invalid/ubuntu',
  });
  assert.equal(p.keyring, '/k.gpg');
  assert.deepEqual(p.components, ['main']);
  assert.equal(p.release.version, '22.04');
  assert.equal(planMirrors(p)[2], 'deb http://sec.invalid/ubuntu jammy-security main');
});

test('ubuntu without DIB_DISTRIBUTION_MIRROR is a KilnError naming the variable (no mirror host in Kiln)', () => {
  assert.throws(
    () => plan({}),
    (e: unknown) => e instanceof KilnError && e.where === 'DIB_DISTRIBUTION_MIRROR' && /ubuntu needs a package mirror/.test(e.message),
  );
  assert.throws(() => plan({ DIB_DISTRIBUTION_MIRROR: MIRROR, DIB_RELEASE: 'trusty' }), /unknown Ubuntu release 'trusty'/);
  assert.throws(() => plan({ DIB_DISTRIBUTION_MIRROR: MIRROR }, 'i386'), /unsupported architecture 'i386' for Ubuntu/);
});

test('debian data is unchanged by the generalisation: no mirror required, no security on the mirror', () => {
  const deb = loadDebianData();
  assert.equal(deb.name, 'debian');
  assert.equal(deb.mirrorRequired, false);
  const p = planDebianBootstrap(
    deb,
    'amd64',
    readSettings({ DIB_DISTRIBUTION_MIRROR: 'http://m.invalid/debian', DIB_RELEASE: 'bookworm' }, NO_FLAGS, 'bootstrap'),
  );
  assert.equal(p.securityMirror, null);
  assert.equal(p.keyring, null);
  assert.equal(planMirrors(p).length, 2);
});

test("KILN_DISTRO_DATA_DIR: a NAME.yaml there replaces Kiln's; other names fall back to distros/", () => {
  const dir = mkdtempSync(join(tmpdir(), 'kiln-distro-data-'));
  writeFileSync(
    join(dir, 'ubuntu.yaml'),
    readFileSync(resolve(DISTROS_DIR, 'ubuntu.yaml'), 'utf8').replace('default_release: noble', 'default_release: jammy'),
  );
  assert.equal(aptDataFile('ubuntu', dir), join(dir, 'ubuntu.yaml'));
  assert.equal(loadDebianData(aptDataFile('ubuntu', dir)).defaultRelease, 'jammy');
  assert.equal(aptDataFile('debian', dir), resolve(DISTROS_DIR, 'debian.yaml'));
  rmSync(dir, { recursive: true });
  assert.equal(aptDataFile('debian'), resolve(DISTROS_DIR, 'debian.yaml'));
});

test('the registry has debian and ubuntu; describe() shows the driver, mmdebstrap and the package set', () => {
  const names = distroDriverNames();
  for (const n of ['debian', 'ubuntu']) assert.ok(names.includes(n), n);
  assert.deepEqual(names, [...names].sort());
  const d = distroDriver('ubuntu');
  const desc = d.describe({
    arch: 'amd64',
    settings: readSettings({ DIB_DISTRIBUTION_MIRROR: MIRROR }, NO_FLAGS, 'bootstrap'),
    cacheDir: '/nonexistent',
    useCache: false,
    offline: false,
    target: '',
    runner: new Runner(),
    log: silentLogger,
    identity: currentIdentity(),
  });
  assert.equal(desc.driver, 'ubuntu');
  assert.equal(desc.family, 'apt');
  assert.equal(desc.tool, 'mmdebstrap');
  assert.ok(desc.packages.includes('linux-image-virtual'));
});

test('DIB distro elements Kiln lacks are refused by name, listing the supported ones; never "not found"', () => {
  const index = scanElements([resolve('elements')]);
  for (const name of ['gentoo', 'alpine', 'arch', 'openeuler-minimal', 'centos7', 'rhel7', 'ubuntu-systemd-container']) {
    assert.ok(unsupportedDistroElement(name), name);
    assert.throws(
      () => resolveElementSet(index, [name, 'vm']),
      (e: unknown) => {
        assert.ok(e instanceof ResolveError, name);
        assert.equal(e.kind, 'unsupported-distro');
        assert.match(e.message, new RegExp(`^${name}: DIB's distro element is not supported by Kiln`));
        assert.doesNotMatch(e.message, /not found/);
        assert.match(e.hint ?? '', /debian-minimal/);
        assert.match(e.hint ?? '', /ubuntu-minimal/);
        return true;
      },
    );
  }
  assert.equal(unsupportedDistroElement('no-such-element'), undefined);
  assert.throws(() => resolveElementSet(index, ['no-such-element']), /not found/);
});

test("ubuntu-minimal resolves to Kiln's elements and bootstraps with the ubuntu driver", () => {
  const index = scanElements([resolve('elements')]);
  const names = resolveElementSet(index, ['ubuntu-minimal']).elements.map((e) => e.name);
  for (const n of ['ubuntu-minimal', 'ubuntu-common', 'dpkg', 'debootstrap', 'pkg-map']) assert.ok(names.includes(n), n);
  assert.ok(!names.includes('debian-minimal'));
  const ubuntu = resolveElementSet(index, ['ubuntu']).elements.map((e) => e.name);
  assert.ok(ubuntu.includes('ubuntu-minimal') && ubuntu.includes('openssh-server'));
});

test('ubuntu bootstrap with a keyring file that does not exist stops before running anything, naming DIB_APT_KEYRING', async () => {
  const calls: string[] = [];
  class NoRunner extends Runner {
    override async run(cmd: string): Promise<never> {
      calls.push(cmd);
      throw new Error('must not run');
    }
  }
  await assert.rejects(
    distroDriver('ubuntu').bootstrap({
      arch: 'amd64',
      settings: readSettings({ DIB_DISTRIBUTION_MIRROR: MIRROR, DIB_APT_KEYRING: '/nonexistent/ubuntu.gpg' }, NO_FLAGS, 'bootstrap'),
      cacheDir: '/nonexistent',
      useCache: false,
      offline: false,
      target: '/nonexistent/tree',
      runner: new NoRunner(),
      log: silentLogger,
      identity: currentIdentity(),
    }),
    (e: unknown) => e instanceof KilnError && e.where === 'DIB_APT_KEYRING' && /does not exist/.test(e.message),
  );
  assert.deepEqual(calls, []);
});

test('an empty package set (a data file without packages or kernel) gives no --include= (mmdebstrap exits 2 on it)', () => {
  const p = { ...plan({ DIB_DISTRIBUTION_MIRROR: MIRROR }), packages: [] };
  const argv = planMmdebstrap({ plan: p, mode: 'root', output: '/o.tar.zst' });
  assert.ok(!argv.some((a) => a.startsWith('--include')), argv.join(' '));
});
