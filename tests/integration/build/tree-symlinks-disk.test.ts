// Symlinks planted in the tree at the paths a disk build touches (/etc/fstab, /etc, the layout's
// mount points and their parents), pointed at a host canary; and the bootloader writers (grub.cfg,
// /boot, the tree's GRUB modules) called directly on a planted tree. The canary never changes; the
// image gets the right content, or the build stops with a located error.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { findKernel, writeGrubCfg } from '../../../src/bootloader/grub-cfg.js';
import { copyTreeGrubDir, resolveGrubDir } from '../../../src/bootloader/grub-image.js';
import { debugfs, extStat } from '../block-device/bd-tree.js';
import { makeCanary } from '../../helpers/canary.js';
import { buildWith, expectLocated, newCanary, type Build } from '../../helpers/planted-build.js';

const LAYOUT = `- local_loop:
    name: image0
- partitioning:
    base: image0
    label: mbr
    partitions:
      - name: esp
        type: 'ef'
        size: 16MiB
        mkfs: {type: vfat, label: esp, mount: {mount_point: /boot/efi, fstab: {}}}
      - name: var
        size: 16MiB
        mkfs: {type: ext4, label: var, mount: {mount_point: /var, fstab: {}}}
      - name: root
        size: 100%
        mkfs: {type: ext4, label: root, mount: {mount_point: /, fstab: {options: defaults, fsck-passno: 1}}}
`;
const disk = (c: Parameters<typeof buildWith>[0], plant: string): Build =>
  buildWith(c, { 'block-device.d/90-plant': plant }, ['-t', 'raw'], { env: { DIB_BLOCK_DEVICE_CONFIG: LAYOUT } });

/** Byte offset of a partition of the raw image, counted from the end: 0 is root, 1 is var. */
function offsetFromEnd(r: Build, n: number): number {
  const parts = JSON.parse(spawnSync('sfdisk', ['-J', `${r.image}.raw`], { encoding: 'utf8' }).stdout).partitiontable.partitions as { start: number }[];
  return parts[parts.length - 1 - n]!.start * 512;
}
const rootOffset = (r: Build): number => offsetFromEnd(r, 0);

describe('disk builds with symlinks at /etc/fstab, /etc and the mount points', () => {
  it('/etc/fstab -> an absolute in-tree file: the fstab is written there, in the image', () => {
    const c = newCanary();
    // a directory the host does not have: a regression that wrote through the link on the host fails, writing nothing
    const real = `/kiln-real-${process.pid}`;
    assert.equal(existsSync(real), false);
    const r = disk(c, `mkdir "$TARGET_ROOT${real}"; ln -s ${real}/fstab "$TARGET_ROOT/etc/fstab"`);
    assert.equal(r.status, 0, r.stderr);
    const off = rootOffset(r);
    assert.equal(extStat(`${r.image}.raw`, off, '/etc/fstab').link, `${real}/fstab`);
    assert.match(debugfs(`${r.image}.raw`, off, `cat ${real}/fstab`), /^LABEL=var \/var ext4 /m);
    assert.equal(existsSync(real), false);
  });

  it('/etc -> a host directory: the fstab goes to <that path> inside the tree', () => {
    const c = newCanary('/var/tmp'); // under /tmp it would be emptied with the tree's /tmp
    const r = disk(c, 'mv "$TARGET_ROOT/etc" "$TARGET_ROOT/etc.real"; ln -s "$C" "$TARGET_ROOT/etc"');
    assert.equal(r.status, 0, r.stderr);
    // <tree>/var/tmp/kiln-canary-*/fstab: in the /var filesystem
    const inVar = c.dir.slice('/var'.length);
    assert.match(debugfs(`${r.image}.raw`, offsetFromEnd(r, 1), `cat ${inVar}/fstab`), /^LABEL=root \/ ext4 defaults 0 1$/m);
  });

  it('/etc/fstab -> a host file: a located error', () => {
    const c = newCanary();
    expectLocated(disk(c, 'ln -s "$C/precious" "$TARGET_ROOT/etc/fstab"'), /\/etc\/fstab in the image tree/, /does not exist/);
  });

  it('a mount point (/var) that is a symlink: a located error before anything is moved', () => {
    const c = newCanary();
    const r = disk(c, 'mv "$TARGET_ROOT/var" "$TARGET_ROOT/var.real"; ln -s "$C" "$TARGET_ROOT/var"');
    expectLocated(r, /\/var in the image tree/, new RegExp(`mount point of mkfs_var: /var is a symlink \\(-> ${c.dir}\\)`));
  });

  it('the parent of a mount point (/boot of /boot/efi) that is a symlink: a located error', () => {
    const c = newCanary();
    const r = disk(c, 'rm -rf "$TARGET_ROOT/boot"; ln -s "$C" "$TARGET_ROOT/boot"');
    expectLocated(r, /\/boot\/efi in the image tree/, /\/boot is a symlink/);
  });
});

describe('bootloader writers on a planted tree', () => {
  const root = mkdtempSync(join(tmpdir(), 'kiln-boot-links-'));
  const canary = makeCanary();
  const before = canary.snapshot();
  after(() => {
    rmSync(root, { recursive: true, force: true });
    rmSync(canary.dir, { recursive: true, force: true });
  });
  const tree = (name: string): string => {
    const t = join(root, name);
    mkdirSync(join(t, 'boot'), { recursive: true });
    writeFileSync(join(t, 'boot/vmlinuz-6.1.0-1-amd64'), 'kernel');
    return t;
  };
  const UUID = '3e6a5a2e-4b5c-4d34-9a57-0a8b2b6c1d11';

  it('/boot/grub/grub.cfg -> a host file: grub.cfg fails inside the tree, the host file is kept', () => {
    const t = tree('cfg-file');
    mkdirSync(join(t, 'boot/grub'));
    symlinkSync(canary.file, join(t, 'boot/grub/grub.cfg'));
    assert.throws(() => writeGrubCfg(t, { rootUuid: UUID }), /does not exist/);
    assert.deepEqual(canary.snapshot(), before);
  });

  it('/boot/grub -> a host directory: grub.cfg is written at <that path> inside the tree', () => {
    const t = tree('grub-dir');
    symlinkSync(canary.dir, join(t, 'boot/grub'));
    assert.equal(writeGrubCfg(t, { rootUuid: UUID }), join(t, canary.dir, 'grub.cfg'));
    assert.match(readFileSync(join(t, canary.dir, 'grub.cfg'), 'utf8'), /linux \/boot\/vmlinuz-6\.1\.0-1-amd64 root=UUID=/);
    assert.deepEqual(canary.snapshot(), before);
  });

  it('/boot -> a host directory holding a kernel: the host kernel is not found', () => {
    const host = mkdtempSync(join(tmpdir(), 'kiln-host-boot-'));
    try {
      writeFileSync(join(host, 'vmlinuz-9.9.9-host'), 'host kernel');
      const t = join(root, 'boot-link');
      mkdirSync(t);
      symlinkSync(host, join(t, 'boot'));
      assert.throws(() => findKernel(t), /no kernel \(vmlinuz-\*\) in \/boot of the image tree/);
      assert.deepEqual(readdirSync(host), ['vmlinuz-9.9.9-host']);
    } finally {
      rmSync(host, { recursive: true, force: true });
    }
  });

  it("the tree's GRUB modules are copied with links resolved in the tree: a module linked to a host file is not read", () => {
    const t = tree('grub-mods');
    const dir = join(t, 'usr/lib/grub/i386-pc');
    mkdirSync(join(t, 'usr/lib/grub/i386-pc'), { recursive: true });
    writeFileSync(join(dir, 'kernel.img'), 'K');
    writeFileSync(join(t, 'normal.real'), 'N');
    symlinkSync('/normal.real', join(dir, 'normal.mod'));
    symlinkSync(canary.file, join(dir, 'evil.mod'));
    assert.deepEqual(resolveGrubDir(t, 'i386-pc', join(root, 'no-host')), { dir, from: 'tree' });
    const copy = mkdtempSync(join(tmpdir(), 'kiln-grub-copy-'));
    try {
      copyTreeGrubDir(t, 'i386-pc', copy);
      assert.deepEqual(readdirSync(copy).sort(), ['kernel.img', 'normal.mod']);
      assert.equal(readFileSync(join(copy, 'normal.mod'), 'utf8'), 'N');
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });
});
