import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { espPaths } from '../../../src/bootloader/esp.js';
import { formatEarlyConfig, grubModules, isGrubPlatform, resolveGrubDir } from '../../../src/bootloader/grub-image.js';

describe('grub-image', () => {
  it('early config searches the filesystem by UUID and sets the prefix', () => {
    assert.equal(formatEarlyConfig('abcd', false), 'search --no-floppy --fs-uuid --set=root abcd\nset prefix=($root)/boot/grub\n');
    assert.match(formatEarlyConfig('abcd', true), /set prefix=\(\$root\)\/grub\n$/);
  });
  it('modules per platform', () => {
    const pc = grubModules('i386-pc');
    const efi = grubModules('x86_64-efi');
    assert.ok(pc.includes('biosdisk') && !efi.includes('biosdisk'));
    assert.ok(efi.includes('efi_gop') && !pc.includes('efi_gop'));
    for (const m of ['part_msdos', 'part_gpt', 'ext2', 'xfs', 'btrfs', 'lvm', 'normal', 'linux', 'search_fs_uuid', 'serial', 'terminal', 'gzio']) {
      assert.ok(pc.includes(m) && efi.includes(m), m);
    }
  });

  const root = mkdtempSync(join(tmpdir(), 'kiln-grubdir-'));
  after(() => rmSync(root, { recursive: true, force: true }));
  const fakeGrub = (base: string) => {
    mkdirSync(join(base, 'usr/lib/grub/i386-pc'), { recursive: true });
    writeFileSync(join(base, 'usr/lib/grub/i386-pc/kernel.img'), '');
  };
  it("prefers the tree's modules, falls back to the host's, else nothing", () => {
    const tree = join(root, 'tree');
    const host = join(root, 'host');
    assert.equal(resolveGrubDir(tree, 'i386-pc', host), undefined);
    fakeGrub(host);
    assert.deepEqual(resolveGrubDir(tree, 'i386-pc', host), { dir: join(host, 'usr/lib/grub/i386-pc'), from: 'host' });
    fakeGrub(tree);
    assert.deepEqual(resolveGrubDir(tree, 'i386-pc', host), { dir: join(tree, 'usr/lib/grub/i386-pc'), from: 'tree' });
    assert.equal(resolveGrubDir(tree, 'x86_64-efi', host), undefined);
  });

  it("finds openSUSE's module directory (/usr/share/grub2/<platform>) in the tree", () => {
    const tree = join(root, 'suse');
    mkdirSync(join(tree, 'usr/share/grub2/x86_64-efi'), { recursive: true });
    writeFileSync(join(tree, 'usr/share/grub2/x86_64-efi/kernel.img'), '');
    assert.deepEqual(resolveGrubDir(tree, 'x86_64-efi', join(root, 'no-host')), { dir: join(tree, 'usr/share/grub2/x86_64-efi'), from: 'tree' });
  });
});

describe('GRUB platforms per architecture', () => {
  it('arm64-efi and i386-efi get the EFI modules; the ESP paths follow the loader name', () => {
    assert.ok(grubModules('arm64-efi').includes('efi_gop') && !grubModules('arm64-efi').includes('efi_uga'));
    assert.ok(grubModules('i386-efi').includes('efi_uga'));
    assert.equal(isGrubPlatform('arm-efi'), false);
    assert.deepEqual(espPaths('BOOTAA64.EFI'), ['::/EFI/BOOT/BOOTAA64.EFI', '::/EFI/debian/grubaa64.efi']);
    assert.deepEqual(espPaths('BOOTIA32.EFI'), ['::/EFI/BOOT/BOOTIA32.EFI', '::/EFI/debian/grubia32.efi']);
    assert.deepEqual(espPaths(), ['::/EFI/BOOT/BOOTX64.EFI', '::/EFI/debian/grubx64.efi']);
  });
});
