/** GPT arithmetic as DIB drives sgdisk (level1/partitioning.py _create_gpt; tests/test_gpt.py): 2 MiB padding, whole MiB. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gptGeometry } from '../../../../src/block-device/partitioning/encode-gpt.js';
import { errorOf, GiB, MiB, planFile, planText } from '../../../helpers/block-device.js';

describe('planGpt', () => {
  it('DIB gpt_efi reference: ESP 8M, BSP 8M, "Root Part" 1006M on 1 GiB, first at LBA 2048', () => {
    const t = planFile('tests/fixtures/block-device/dib/gpt_efi.yaml', { imageSizeBytes: GiB }).partitionTables[0]!;
    assert.deepEqual(
      t.partitions.map((p) => [p.number, p.name, p.sizeBytes / MiB, p.typeCode]),
      [
        [1, 'ESP', 8, 'EF00'],
        [2, 'BSP', 8, 'EF02'],
        [3, 'Root Part', 1006, '8300'],
      ],
    );
    assert.equal(t.partitions[0]!.firstLba, 2048);
    assert.equal(t.partitions[1]!.firstLba, 2048 + 16384);
    assert.equal(t.partitions[0]!.type, 'C12A7328-F81F-11D2-BA4B-00A0C93EC93B');
    const last = t.partitions[2]!.lastLba;
    assert.ok(last <= gptGeometry(GiB / 512, 512).lastUsableLba, 'room for the backup GPT');
  });
  it('sizes floor to MiB and % is of the remaining disk_free', () => {
    const t = planText(`- local_loop: {name: image0, size: 100MiB}
- partitioning:
    base: image0
    label: gpt
    partitions:
      - {name: a, size: '1500KiB'}
      - {name: b, size: '50%'}
      - {name: c, size: '100%'}
`).partitionTables[0]!;
    // disk_free 98 MiB; a: 1 MiB (1500 KiB subtracted); b: 50% of 98MiB-1500KiB floored
    const free1 = 98 * MiB - 1500 * 1024;
    const b = Math.floor(free1 / 2);
    assert.deepEqual(
      t.partitions.map((p) => p.sizeBytes / MiB),
      [1, Math.floor(b / MiB), Math.floor((free1 - b) / MiB)],
    );
    for (let i = 1; i < 3; i++) assert.equal(t.partitions[i]!.firstLba, t.partitions[i - 1]!.lastLba + 1);
  });
  it('4K sectors: 1 MiB alignment is 256 sectors', () => {
    const p = planFile('block-device/efi-4k.yaml', { imageSizeBytes: 2 * GiB });
    assert.equal(p.image.sectorSize, 4096);
    const t = p.partitionTables[0]!;
    assert.equal(t.partitions[0]!.firstLba, 256);
    assert.equal(t.partitions[0]!.sizeBytes, 500 * MiB);
    assert.ok(t.partitions[2]!.lastLba <= gptGeometry((2 * GiB) / 4096, 4096).lastUsableLba);
  });
  it('DIB_BLOCK_SIZE overrides block_size', () => {
    assert.equal(planFile('block-device/efi-4k.yaml', { imageSizeBytes: 2 * GiB, blockSize: 512 }).image.sectorSize, 512);
  });
  it('ids are deterministic from the seed', () => {
    const a = planFile('block-device/gpt.yaml', { imageSizeBytes: GiB, seed: 's1' }).partitionTables[0]!;
    const b = planFile('block-device/gpt.yaml', { imageSizeBytes: GiB, seed: 's1' }).partitionTables[0]!;
    const c = planFile('block-device/gpt.yaml', { imageSizeBytes: GiB, seed: 's2' }).partitionTables[0]!;
    assert.equal(a.diskGuid, b.diskGuid);
    assert.notEqual(a.diskGuid, c.diskGuid);
    assert.notEqual(a.partitions[0]!.uuid, a.partitions[1]!.uuid);
  });
  it('partitions after one that does not fit are planned empty: what sits on them is still checked', () => {
    const msg = errorOf(() =>
      planText(`- local_loop: {name: image0, size: 1GiB}
- partitioning:
    base: image0
    label: gpt
    partitions:
      - {name: big, size: 2GiB}
      - {name: data, size: 50%, mkfs: {type: xfs, mount: {mount_point: /}}}
      - {name: pvpart, size: 50%}
- lvm: {name: lvm, pvs: [{name: pv, base: pvpart}], vgs: [{name: vg, base: [pv]}], lvs: [{name: lv, base: vg, size: 8MiB}]}
`),
    );
    assert.match(msg, /partition big does not fit: 2147483648 bytes asked/);
    assert.match(msg, /partition data does not fit/);
    assert.match(msg, /pv pv: partition pvpart \(0 bytes\) is too small for one 4 MiB extent/);
    assert.match(msg, /mkfs mkfs_data: xfs needs at least 300 MiB, partition data has 0 bytes/);
  });
});
