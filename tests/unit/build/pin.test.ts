import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseArgv } from '../../../src/config/argv.js';
import { createBuildConfig } from '../../../src/config/build-config.js';
import { comparePin, debFileName, formatPinPreferences, packagesStanza, pinnedDirTimes } from '../../../src/build/pin.js';
import { parseDpkgSearch } from '../../../src/build/tool-versions.js';
import { initialEpoch, withBootstrapEpoch } from '../../../src/build/epoch.js';
import { parseDpkgStatus, parseRelease } from '../../../src/distros/installed-packages.js';

describe('pin record parsers', () => {
  it('dpkg status: installed packages only, sorted, continuation lines ignored', () => {
    const status = [
      'Package: zlib1g\nStatus: install ok installed\nVersion: 1:1.2.13.dfsg-1\nArchitecture: amd64\nDescription: x\n long text: with a colon\n',
      'Package: gone\nStatus: deinstall ok config-files\nVersion: 1\nArchitecture: all\n',
      'Package: adduser\nStatus: hold ok installed\nVersion: 3.134\nArchitecture: all\n',
    ].join('\n');
    assert.deepEqual(parseDpkgStatus(status), [
      { name: 'adduser', version: '3.134', arch: 'all' },
      { name: 'zlib1g', version: '1:1.2.13.dfsg-1', arch: 'amd64' },
    ]);
  });

  it('an InRelease file (clearsigned): origin, suite, codename and Date', () => {
    const text =
      '-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n\nOrigin: Debian\nLabel: Debian\nSuite: stable\nCodename: bookworm\nDate: Sat, 07 Oct 2023 09:30:12 UTC\nSHA256:\n abc 123 main/x\n-----BEGIN PGP SIGNATURE-----\n';
    assert.deepEqual(parseRelease(text, 'mirror.invalid/debian'), {
      uri: 'mirror.invalid/debian',
      suite: 'stable',
      origin: 'Debian',
      codename: 'bookworm',
      date: 'Sat, 07 Oct 2023 09:30:12 UTC',
    });
  });

  it('apt preferences pin every recorded version at 1001; .deb names escape the epoch colon as apt does', () => {
    assert.equal(
      formatPinPreferences([
        { name: 'a', version: '1:2.0-1', arch: 'amd64' },
        { name: 'b', version: '3', arch: 'all' },
      ]),
      'Package: a\nPin: version 1:2.0-1\nPin-Priority: 1001\n\nPackage: b\nPin: version 3\nPin-Priority: 1001\n',
    );
    assert.equal(debFileName({ name: 'a', version: '1:2.0-1', arch: 'amd64' }), 'a_1%3a2.0-1_amd64.deb');
    assert.match(
      packagesStanza('Package: a\nVersion: 1:2.0-1\n', 'a_1%3a2.0-1_amd64.deb', Buffer.from('x')),
      /^Package: a\nVersion: 1:2\.0-1\nFilename: \.\/a_1%3a2\.0-1_amd64\.deb\nSize: 1\nSHA256: 2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881\n$/,
    );
  });

  it('comparing a record with the image names each package that differs, and how', () => {
    const rec = [
      { name: 'a', version: '1', arch: 'all' },
      { name: 'b', version: '2', arch: 'amd64' },
      { name: 'c', version: '3', arch: 'all' },
    ];
    const have = [
      { name: 'a', version: '1', arch: 'all' },
      { name: 'b', version: '2.1', arch: 'amd64' },
      { name: 'd', version: '4', arch: 'all' },
    ];
    assert.deepEqual(comparePin(rec, have), ['b 2 (amd64): installed 2.1 instead', 'c 3 (all): not installed', 'd 4 (all): installed, not in the record']);
    assert.deepEqual(comparePin(rec, rec), []);
  });

  it('dpkg-query -S: the owning package of each path (multiarch, several owners, diversions)', () => {
    const out = 'coreutils: /usr/bin/tar2\nlibc-bin:amd64: /usr/bin/ldd\nqemu-utils, qemu-block-extra: /usr/bin/qemu-img\ndiversion by dash from: /bin/sh\n';
    assert.deepEqual(
      [...parseDpkgSearch(out)],
      [
        ['/usr/bin/tar2', 'coreutils'],
        ['/usr/bin/ldd', 'libc-bin:amd64'],
        ['/usr/bin/qemu-img', 'qemu-utils'],
      ],
    );
  });

  it("the epoch: the user's wins; else a pin record's; else the inputs', moved by a later bootstrapped tree only", () => {
    assert.deepEqual(initialEpoch(5, [], 7), { epoch: 5, source: 'SOURCE_DATE_EPOCH' });
    assert.deepEqual(initialEpoch(undefined, [], 7), { epoch: 7, source: 'pin' });
    const inputs = { epoch: 100, source: 'inputs' as const, elements: 100 };
    assert.deepEqual(withBootstrapEpoch(inputs, 200), { epoch: 200, source: 'inputs', elements: 100, bootstrap: 200 });
    assert.deepEqual(withBootstrapEpoch(inputs, 50), { epoch: 100, source: 'inputs', elements: 100, bootstrap: 50 });
    assert.deepEqual(withBootstrapEpoch({ epoch: 7, source: 'pin' }, 200), { epoch: 7, source: 'pin' });
  });

  it("a directory the pin's files changed gets its earlier time back, unless the build changed it later too", () => {
    const before = new Map([
      ['/etc/apt/preferences.d', 10n],
      ['/var/lib', 20n],
    ]);
    const after = new Map([
      ['/etc/apt/preferences.d', 100n],
      ['/var/lib', 100n],
    ]);
    const now = new Map([
      ['/etc/apt/preferences.d', 100n],
      ['/var/lib', 150n],
      ['/etc/apt/sources.list.d', 160n],
    ]);
    assert.deepEqual(
      [...pinnedDirTimes(before, after, now)],
      [
        ['/etc/apt/preferences.d', 10n],
        ['/var/lib', 150n],
      ],
    );
  });

  it("--pin-mirror makes the snapshot the build's mirror (over DIB_DEBIAN_DISTRIBUTION_MIRROR); alone it is a usage error", () => {
    const cfg = (argv: string[]) =>
      createBuildConfig({
        args: parseArgv(argv),
        env: { DIB_DEBIAN_DISTRIBUTION_MIRROR: 'http://old.invalid/debian' },
        hostArch: 'amd64',
        builtinElements: '/k',
      });
    const c = cfg(['--pin', '/r/pin.json', '--pin-mirror', 'http://snapshot.invalid/debian/20231007T000000Z', 'debian-minimal']);
    assert.equal(c.pinFile, '/r/pin.json');
    assert.equal(c.env.DIB_DISTRIBUTION_MIRROR, 'http://snapshot.invalid/debian/20231007T000000Z');
    assert.equal(c.env.DIB_DEBIAN_DISTRIBUTION_MIRROR, undefined);
    assert.throws(() => cfg(['--pin-mirror', 'http://snapshot.invalid/x', 'debian-minimal']), /--pin-mirror needs --pin FILE/);
  });

  it("--pin of a build made with SOURCE_DATE_EPOCH sets it again (the bootstrap and mmdebstrap saw it); the user's own wins; a default epoch is not one", () => {
    const cfg = (source: string, env: Record<string, string> = {}) =>
      createBuildConfig({
        args: parseArgv(['--pin', '/r/pin.json', 'debian-minimal']),
        env,
        hostArch: 'amd64',
        builtinElements: '/k',
        pinnedEpoch: (file) => {
          assert.equal(file, '/r/pin.json');
          return { epoch: 1700000000, source };
        },
      });
    const c = cfg('SOURCE_DATE_EPOCH');
    assert.equal(c.sourceDateEpoch, 1700000000);
    assert.equal(c.epoch, 1700000000);
    assert.deepEqual(c.notices, ['--pin: SOURCE_DATE_EPOCH=1700000000, as the recorded build had it']);
    assert.equal(cfg('SOURCE_DATE_EPOCH', { SOURCE_DATE_EPOCH: '1600000000' }).sourceDateEpoch, 1600000000);
    const d = cfg('inputs');
    assert.equal(d.sourceDateEpoch, undefined, 'the record epoch comes in later, as the default epoch');
    assert.deepEqual(d.notices, []);
  });
});
