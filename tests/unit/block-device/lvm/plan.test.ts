/** LVM planning: DIB's rounding (test_lvm.py), %VG, spanned VGs, segments as image byte ranges. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EXTENT_BYTES } from '../../../../src/block-device/lvm/plan.js';
import { errorOf, GiB, MiB, planFile, planText } from '../../../helpers/block-device.js';

const lvmLayout = (
  lvs: string,
  parts = "      - {name: root, size: '100%'}\n",
  pvs = '        - {name: pv, base: root}\n',
  vgs = '        - {name: vg, base: [pv]}\n',
) => `- local_loop: {name: image0, size: 10GiB}
- partitioning:
    base: image0
    label: gpt
    partitions:
${parts}- lvm:
    name: lvm
    pvs:
${pvs}    vgs:
${vgs}    lvs:
${lvs}`;

describe('planLvm', () => {
  it('size rounds DOWN to 4 MiB extents as DIB (-L bytes)', () => {
    const p = planText(
      lvmLayout('        - {name: a, base: vg, size: 1800M}\n        - {name: b, base: vg, size: 2800MiB}\n        - {name: c, base: vg, size: 2G}\n'),
    );
    assert.deepEqual(
      p.lvm[0]!.lvs.map((l) => l.sizeBytes),
      [1799356416, 2936012800, 1996488704],
    );
  });
  it('pv: pe_start 1 MiB, 4 MiB extents, lvm2 pe_count; lvs contiguous from extent 0', () => {
    const p = planText(lvmLayout('        - {name: a, base: vg, size: 100MiB}\n        - {name: b, base: vg, extents: 10}\n'));
    const pv = p.lvm[0]!.pvs[0]!;
    const part = p.partitionTables[0]!.partitions[0]!;
    assert.equal(pv.peStartBytes, MiB);
    assert.equal(pv.peCount, Math.floor((part.sizeBytes - MiB) / EXTENT_BYTES));
    const [a, b] = p.lvm[0]!.lvs;
    assert.deepEqual(a!.segments, [{ pv: 'pv', startExtent: 0, pvStartExtent: 0, extentCount: 25, offsetBytes: part.offsetBytes + MiB, sizeBytes: 100 * MiB }]);
    assert.equal(b!.segments[0]!.pvStartExtent, 25);
    assert.equal(b!.segments[0]!.offsetBytes, part.offsetBytes + MiB + 25 * EXTENT_BYTES);
    const fs = p.filesystems;
    assert.equal(fs.length, 0);
  });
  it('%VG and %FREE floor as lvm2', () => {
    const p = planText(lvmLayout('        - {name: a, base: vg, extents: 23%VG}\n        - {name: b, base: vg, extents: 50%FREE}\n'));
    const vg = p.lvm[0]!.vgs[0]!;
    const a = Math.floor((23 * vg.extentCount) / 100);
    assert.equal(p.lvm[0]!.lvs[0]!.extents, a);
    assert.equal(p.lvm[0]!.lvs[1]!.extents, Math.floor((50 * (vg.extentCount - a)) / 100));
  });
  it('spanned VG: an LV continues on the next PV', () => {
    const p = planText(
      lvmLayout(
        '        - {name: big, base: vg, size: 1500MiB}\n',
        '      - {name: d1, size: 1GiB}\n      - {name: d2, size: 1GiB}\n',
        '        - {name: p1, base: d1}\n        - {name: p2, base: d2}\n',
        '        - {name: vg, base: [p1, p2]}\n',
      ),
    );
    const lv = p.lvm[0]!.lvs[0]!;
    assert.deepEqual(
      lv.segments.map((s) => [s.pv, s.startExtent, s.pvStartExtent, s.extentCount]),
      [
        ['p1', 0, 0, 255],
        ['p2', 255, 0, 120],
      ],
    );
  });
  it('efi-lvm layout: 23/57/20 %VG of a 40G root partition', () => {
    const p = planFile('block-device/efi-lvm.yaml', { imageSizeBytes: 42 * GiB });
    const vg = p.lvm[0]!.vgs[0]!;
    assert.deepEqual(
      p.lvm[0]!.lvs.map((l) => l.extents),
      [23, 57, 20].map((n) => Math.floor((n * vg.extentCount) / 100)),
    );
    assert.deepEqual(
      p.fstab.map((l) => `${l.spec} ${l.mountPoint} ${l.type} ${l.options} ${l.dumpFreq} ${l.passno}`),
      [
        'LABEL=img-rootfs / xfs rw,relatime 0 1',
        'LABEL=MKFS_ESP /boot/efi vfat defaults 0 2',
        'LABEL=fs_home /home xfs rw,nodev,relatime 0 2',
        'LABEL=fs_var /var xfs rw,relatime 0 2',
      ],
    );
  });
  it('an LV that does not fit, and thin provisioning, are plan-time errors', () => {
    assert.match(
      errorOf(() => planText(lvmLayout('        - {name: a, base: vg, size: 20GiB}\n'))),
      /lv a does not fit: 5120 extents/,
    );
    assert.match(
      errorOf(() => planFile('tests/fixtures/block-device/invalid/lvm-thin.yaml', { imageSizeBytes: GiB })),
      /thin provisioning is not supported yet/,
    );
  });
  it('says which pvcreate/vgcreate/lvcreate options it cannot apply (prompt flags such as --force are fine)', () => {
    const text = `- local_loop: {name: image0, size: 2GiB}
- partitioning:
    base: image0
    label: gpt
    partitions: [{name: root, size: 100%}]
- lvm:
    name: lvm
    pvs: [{name: pv, base: root, options: ["--force", "--dataalignment", "1m"]}]
    vgs: [{name: vg, base: [pv], options: ["--force"]}]
    lvs: [{name: lv_root, base: vg, extents: 100%FREE}]
`;
    assert.deepEqual(planText(text).warnings, ['lvm pv pv: options ["--dataalignment","1m"] are not applied (Kiln writes LVM metadata without the lvm tools)']);
  });
});
