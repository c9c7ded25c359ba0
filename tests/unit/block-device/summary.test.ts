/** planSummary(): the lines a build log shows. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatBytes, planSummary } from '../../../src/block-device/summary.js';
import { errorOf, GiB, planFile } from '../../helpers/block-device.js';

describe('planSummary', () => {
  it('names the image, each partition, LV and filesystem, and the fstab', () => {
    const s = planSummary(planFile('block-device/efi-lvm.yaml', { imageSizeBytes: 41 * GiB, params: { rootFsType: 'ext4', rootLabel: null } }));
    assert.match(s, /^image image0: 41 GiB \(44023414784 bytes\), 512-byte sectors, size from param$/m);
    assert.match(s, /^ {2}1 ESP: sectors 2048-1128447 \(550 MiB\) type EF00$/m);
    assert.match(s, /^lvm vg vg on pv: \d+ extents of 4 MiB, \d+ free$/m);
    assert.match(s, /^ {2}lv lv_root \(23%VG\): \d+ extents/m);
    assert.match(s, /^fs fs_root: xfs 'img-rootfs' on lv lv_root at \d+ \(.*\) -> \/$/m);
    assert.match(s, /^fstab: LABEL=fs_home \/home xfs rw,nodev,relatime 0 2$/m);
  });
  it('formatBytes', () => {
    assert.equal(formatBytes(512), '512 B');
    assert.equal(formatBytes(1536), '1.5 KiB');
    assert.equal(formatBytes(GiB), '1 GiB');
  });
  it('DIB_BLOCK_SIZE other than 512/4096 is refused', () => {
    assert.match(
      errorOf(() => planFile('block-device/gpt.yaml', { imageSizeBytes: GiB, blockSize: 1024 })),
      /DIB_BLOCK_SIZE: DIB_BLOCK_SIZE=1024 is not supported/,
    );
  });
});

describe('planBootInfo', () => {
  it('efi: BIOS boot partition, ESP range, root UUID', async () => {
    const { planBootInfo } = await import('../../../src/block-device/boot-info.js');
    const p = planFile('block-device/efi.yaml', { imageSizeBytes: 2 * GiB, params: { rootFsType: 'ext4', rootLabel: null } });
    const b = planBootInfo(p);
    assert.deepEqual(b.biosBootPartition, { startLba: 1128448, sectors: 16384 });
    assert.deepEqual(b.esp, { offsetBytes: 1048576, sizeBytes: 550 * 1024 * 1024 });
    assert.equal(b.rootFsUuid, p.filesystems.find((f) => f.mountPoint === '/')!.uuid);
    assert.equal(b.firstPartitionLba, 2048);
    assert.equal(b.label, 'gpt');
  });
  it('mbr: no BIOS boot partition; fallback: no table', async () => {
    const { planBootInfo } = await import('../../../src/block-device/boot-info.js');
    const m = planBootInfo(planFile('block-device/mbr.yaml', { imageSizeBytes: GiB, params: { rootFsType: 'ext4', rootLabel: null } }));
    assert.equal(m.label, 'mbr');
    assert.equal(m.biosBootPartition, undefined);
    assert.equal(m.firstPartitionLba, 2048);
  });
});
