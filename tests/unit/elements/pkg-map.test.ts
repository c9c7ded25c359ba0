/** pkg-map behaviour as DIB's elements/pkg-map/bin/pkg-map (dib-compat 3.5). */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, mkdirSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { KilnError } from '../../../src/errors.js';
import { mapPackages, osFamily, osMajorRelease, parsePkgMap, resolvePkgMap } from '../../../src/elements/pkg-map.js';
import { formatPkgMapFile, writePkgMapFiles } from '../../../src/elements/pkg-map-files.js';

// the example from DIB's bin/pkg-map comments, plus a release section with 8-stream
const EXAMPLE = JSON.stringify({
  release: { fedora: { '23': { nova_package: 'openstack-compute-foo' } }, centos: { '8': { glance_package: 'glance8' } } },
  distro: { fedora: { nova_package: 'openstack-compute', glance_package: 'openstack-image' } },
  family: { redhat: { nova_package: 'openstack-nova', glance_package: 'openstack-glance' }, suse: { nova_package: '' } },
  default: { nova_package: 'nova', glance_package: 'glance' },
});
const map = parsePkgMap(EXAMPLE, 'pkg-map', 'example');
const names = ['nova_package', 'glance_package'];

describe('pkg-map merge order default -> family -> distro -> release', () => {
  it('default', () => assert.deepEqual(mapPackages(map, { distro: 'debian', release: 'bookworm' }, names, { missingOk: false }), ['nova', 'glance']));
  it('family', () =>
    assert.deepEqual(mapPackages(map, { distro: 'centos', release: '9' }, names, { missingOk: false }), ['openstack-nova', 'openstack-glance']));
  it('distro', () =>
    assert.deepEqual(mapPackages(map, { distro: 'fedora', release: '22' }, names, { missingOk: false }), ['openstack-compute', 'openstack-image']));
  it('release', () =>
    assert.deepEqual(mapPackages(map, { distro: 'fedora', release: '23' }, names, { missingOk: false }), ['openstack-compute-foo', 'openstack-image']));
  it("'8-stream' is looked up as release '8'", () => {
    assert.equal(osMajorRelease('8-stream'), '8');
    assert.deepEqual(mapPackages(map, { distro: 'centos', release: '8-stream' }, names, { missingOk: false }), ['openstack-nova', 'glance8']);
  });
  it('an empty string maps to no package', () => assert.deepEqual(mapPackages(map, { distro: 'opensuse' }, names, { missingOk: false }), ['glance']));
  it('families', () => {
    assert.equal(osFamily('ubuntu'), 'debian');
    assert.equal(osFamily('rhel'), 'redhat');
    assert.equal(osFamily('opensuse'), 'suse');
    assert.equal(osFamily('gentoo'), 'gentoo');
    assert.equal(osFamily('alpine'), undefined);
  });
});

describe('pkg-map missing names', () => {
  it('pass through with missingOk, error without', () => {
    assert.deepEqual(mapPackages(map, { distro: 'debian' }, ['vim', 'nova_package'], { missingOk: true }), ['vim', 'nova']);
    assert.throws(
      () => mapPackages(map, { distro: 'debian' }, ['vim'], { missingOk: false, element: 'example' }),
      (e: unknown) => e instanceof KilnError && e.message === 'example has no valid mapping for package vim',
    );
  });
  it('a distro without a release section entry falls back silently', () => {
    assert.deepEqual(resolvePkgMap(map, { distro: 'fedora' }).nova_package, 'openstack-compute');
  });
});

describe('parsePkgMap errors', () => {
  it('names file:line for bad JSON and the key for bad shapes', () => {
    assert.throws(
      () => parsePkgMap('{\n "default": {\n  "a": "b",\n }\n}', '/x/pkg-map', 'x'),
      (e: unknown) => e instanceof KilnError && /^\/x\/pkg-map:\d+ \(element x\)$/.test(e.where ?? ''),
    );
    assert.throws(() => parsePkgMap('{"default": {"a": ["b"]}}', 'f', 'x'), /default\.a is not a string/);
    assert.throws(() => parsePkgMap('{"family": {"debian": "x"}}', 'f', 'x'), /family\.debian is not an object/);
    assert.throws(() => parsePkgMap('[]', 'f', 'x'), /top level/);
  });
});

describe('writePkgMapFiles', () => {
  it('copies the JSON and writes the resolved .kiln file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kiln-pkgmap-'));
    try {
      const el = join(dir, 'elements', 'example');
      mkdirSync(el, { recursive: true });
      writeFileSync(join(el, 'pkg-map'), EXAMPLE);
      mkdirSync(join(dir, 'elements', 'nomap'));
      const tree = join(dir, 'tree');
      mkdirSync(tree);
      const written = writePkgMapFiles(
        [
          { name: 'example', path: el },
          { name: 'nomap', path: join(dir, 'elements', 'nomap') },
        ],
        { distro: 'opensuse', release: '15' },
        tree,
      );
      assert.deepEqual(written, ['example']);
      assert.equal(readFileSync(join(tree, 'usr/share/pkg-map/example'), 'utf8'), EXAMPLE);
      assert.equal(readFileSync(join(tree, 'usr/share/pkg-map/example.kiln'), 'utf8'), '#distro=opensuse\n#release=15\nnova_package=\nglance_package=glance\n');
      assert.equal(existsSync(join(tree, 'usr/share/pkg-map/nomap.kiln')), false);
      assert.equal(formatPkgMapFile({}, { distro: 'debian' }), '#distro=debian\n#release=\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("the bootloader element's pkg-map: each family's GRUB module packages", () => {
  const boot = parsePkgMap(readFileSync('elements/bootloader/pkg-map', 'utf8'), 'elements/bootloader/pkg-map', 'bootloader');
  // a value of several names is one string: install-packages splits the words
  const grub = (distro: string) => mapPackages(boot, { distro }, ['grub-pc', 'grub-efi-amd64'], { missingOk: false });
  it('Debian and Ubuntu: the -bin packages (no grub-install in their scripts)', () => {
    for (const d of ['debian', 'ubuntu']) assert.deepEqual(grub(d), ['grub-pc-bin', 'grub-efi-amd64-bin'], d);
  });
  it('the Red Hat family: grub2-tools and the -modules packages', () => {
    for (const d of ['centos', 'rocky', 'almalinux', 'fedora', 'rhel']) {
      assert.deepEqual(grub(d), ['grub2-tools grub2-pc-modules', 'grub2-tools grub2-efi-x64-modules'], d);
    }
  });
  it("openSUSE: grub2 and the platform's package", () => assert.deepEqual(grub('opensuse'), ['grub2 grub2-i386-pc', 'grub2 grub2-x86_64-efi']));
});
