import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KilnError } from '../../../src/errors.js';
import { loadDebianData, parseDebianData, resolveArch, resolveRelease } from '../../../src/distros/debian-data.js';
import { planDebianBootstrap } from '../../../src/distros/debian-plan.js';

const data = loadDebianData();

test('distros/debian.yaml: default release stable, component main, variant minbase', () => {
  assert.equal(data.defaultRelease, 'stable');
  assert.deepEqual(data.defaultComponents, ['main']);
  assert.equal(data.variant, 'minbase');
});

test('release -> suites: the security suite is <codename>-security from bullseye on; sid has none', () => {
  const cases: [string, string, string | null, string | null][] = [
    ['bullseye', '11', 'bullseye-security', 'bullseye-updates'],
    ['bookworm', '12', 'bookworm-security', 'bookworm-updates'],
    ['trixie', '13', 'trixie-security', 'trixie-updates'],
    ['sid', 'unstable', null, null],
    ['unstable', 'unstable', null, null],
    ['testing', '14', null, null],
    ['stable', '13', 'stable-security', 'stable-updates'],
  ];
  for (const [release, version, security, updates] of cases) {
    const r = resolveRelease(data, release);
    assert.equal(r.suite, release, 'aliases are passed on unchanged, as DIB does');
    assert.equal(r.version, version, release);
    assert.equal(r.securitySuite, security, release);
    assert.equal(r.updatesSuite, updates, release);
  }
  assert.equal(resolveRelease(data, 'unstable').codename, 'sid');
  assert.equal(resolveRelease(data, 'stable').codename, 'trixie');
});

test('an unknown release is a KilnError naming DIB_RELEASE and the known ones', () => {
  assert.throws(
    () => resolveRelease(data, 'buzz'),
    (e: unknown) => {
      assert.ok(e instanceof KilnError);
      assert.equal(e.where, 'DIB_RELEASE');
      assert.match(e.hint ?? '', /bookworm/);
      return true;
    },
  );
});

test('architectures: kernel and GRUB packages; DIB spellings x86_64/aarch64 are accepted', () => {
  const amd = resolveArch(data, 'x86_64');
  assert.equal(amd.name, 'amd64');
  assert.equal(amd.kernel, 'linux-image-amd64');
  assert.equal(amd.grubBios, 'grub-pc-bin');
  assert.equal(amd.grubEfi, 'grub-efi-amd64-bin');
  const arm = resolveArch(data, 'aarch64');
  assert.equal(arm.kernel, 'linux-image-arm64');
  assert.equal(arm.grubBios, null);
  assert.equal(resolveArch(data, 'i386').kernel, 'linux-image-686');
  assert.throws(() => resolveArch(data, 's390x'), /unsupported architecture 's390x'/);
});

test('no archive host name in the distro data', () => {
  const text = JSON.stringify([...data.releases, ...data.architectures, data.packages]);
  assert.doesNotMatch(text, /https?:\/\/|\.org|\.net/);
});

test('parseDebianData rejects a file without releases and an alias of an unknown release', () => {
  assert.throws(() => parseDebianData('name: x\n', 'f.yaml'), /not a distro data file/);
  assert.throws(
    () => parseDebianData('releases: {a: {version: 1}}\naliases: {s: {alias_of: b}}\narchitectures: {}\npackages: []\n', 'f.yaml'),
    /alias 's' names unknown release 'b'/,
  );
});

test('i386 has a kernel only up to bookworm: trixie is refused before any work, with the release that works', () => {
  assert.throws(
    () => planDebianBootstrap(data, 'i386', { release: 'trixie' } as never),
    (e: unknown) =>
      e instanceof KilnError && /Debian trixie has no i386 kernel \(linux-image-686\)/.test(e.message) && /DIB_RELEASE=bookworm/.test(e.hint ?? ''),
  );
  assert.throws(() => planDebianBootstrap(data, 'i386', { release: 'stable' } as never), /has no i386 kernel/);
  assert.ok(planDebianBootstrap(data, 'i386', { release: 'bookworm' } as never).packages.includes('linux-image-686'));
  assert.ok(planDebianBootstrap(data, 'arm64', { release: 'trixie' } as never).packages.includes('linux-image-arm64'));
});
