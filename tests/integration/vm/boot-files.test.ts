/**
 * boot-test --check reads the kernel, initrd and command line from the disk image without mounting
 * it: a busybox-minimal image whose hook plants a /boot (its own partition, from the image's fstab)
 * with a grub.cfg, a "kernel" and two "initrds"; qcow2 as well as raw.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Runner } from '../../../src/exec/runner.js';
import { readExtFile, readVolumes } from '../../../src/shell/disk.js';
import { readBootFiles } from '../../../src/vm/boot-files.js';
import { runCli } from '../../helpers/cli.js';
import { makeElementTree } from '../../helpers/element-tree.js';

const work = mkdtempSync(join(tmpdir(), 'kiln-boot-files-'));
after(() => rmSync(work, { recursive: true, force: true }));

const LAYOUT = `- local_loop:
    name: image0
- partitioning:
    base: image0
    label: gpt
    partitions:
      - name: boot
        size: 32MiB
        mkfs: { type: ext4, label: kboot, mount: { mount_point: /boot, fstab: { options: defaults, fsck-passno: 2 } } }
      - name: root
        size: 100%
        mkfs: { type: ext4, mount: { mount_point: /, fstab: { options: defaults, fsck-passno: 1 } } }
`;
const HOOK = `#!/bin/sh
set -eu
mkdir -p /boot/grub /etc/systemd/system
printf 'kernel-bytes' > /boot/vmlinuz-9.9
printf 'ucode+' > /boot/ucode.img
printf 'initrd-bytes' > /boot/initrd-9.9
ln -sf vmlinuz-9.9 /boot/vmlinuz
cat > /boot/grub/grub.cfg <<'CFG'
set default=0
menuentry 'Test' {
  search --no-floppy --label --set=root kboot
  linux /vmlinuz root=LABEL=cloudimg-rootfs ro console=ttyS0,115200
  initrd /ucode.img /initrd-9.9
}
CFG
ln -sf /lib/systemd/system/multi-user.target /etc/systemd/system/default.target
mkdir -p /opt/real && printf 'found' > /opt/real/f
ln -s /opt/real /opt/abs && ln -s ../opt/real /etc/rel && ln -s loop1 /opt/loop2 && ln -s loop2 /opt/loop1
`;

describe('boot-test --check: the boot files of a disk image', () => {
  const elements = makeElementTree({ 'boot-plant': { deps: ['busybox-minimal'], files: { 'install.d/50-boot': HOOK } } }, join(work, 'elements'));
  const r = runCli('disk-image-create', ['boot-plant', '-t', 'raw,qcow2', '-o', join(work, 'img')], {
    env: { ELEMENTS_PATH: elements, TMP_DIR: work, DIB_BLOCK_DEVICE_CONFIG: LAYOUT },
  });
  for (const format of ['raw', 'qcow2']) {
    it(`${format}: grub.cfg on the /boot partition, its search, a symlinked kernel, initrds concatenated, the default target`, async () => {
      assert.equal(r.status, 0, r.stderr);
      const dir = mkdtempSync(join(work, `${format}-`));
      const f = await readBootFiles(new Runner(), join(work, `img.${format}`), dir);
      assert.equal(f.cmdline, 'root=LABEL=cloudimg-rootfs ro console=ttyS0,115200');
      assert.equal(readFileSync(f.kernel, 'utf8'), 'kernel-bytes');
      assert.equal(readFileSync(f.initrd!, 'utf8'), 'ucode+initrd-bytes');
      assert.equal(f.defaultTarget, 'multi-user.target');
      assert.equal(f.grubCfg, '/grub/grub.cfg on partition 1 (boot)');
    });
  }
  it('ExtReader.lookup follows absolute and relative symlinks inside the filesystem, and gives up on loops', async () => {
    const raw = join(work, 'img.raw');
    const volumes = await readVolumes(new Runner(), raw, statSync(raw).size);
    const root = volumes.find((v) => v.partLabel === 'root')!;
    assert.equal(readExtFile(raw, root, '/opt/abs/f')?.toString(), 'found');
    assert.equal(readExtFile(raw, root, '/etc/rel/f')?.toString(), 'found');
    assert.equal(readExtFile(raw, root, '/etc/rel/../real/f')?.toString(), 'found', '.. of the symlink target, as the kernel resolves it');
    assert.equal(readExtFile(raw, root, '/opt/loop1'), undefined);
    assert.equal(readExtFile(raw, root, '/opt/none'), undefined);
  });
  it('an image without grub.cfg is refused by name', async () => {
    const plain = runCli('disk-image-create', ['busybox-minimal', 'block-device-gpt', '-t', 'raw', '-o', join(work, 'plain')], { env: { TMP_DIR: work } });
    assert.equal(plain.status, 0, plain.stderr);
    await assert.rejects(readBootFiles(new Runner(), join(work, 'plain.raw'), mkdtempSync(join(work, 'p-'))), /no grub\.cfg found/);
  });
});
