/**
 * Oracle test for the LVM2 encoder: Kiln writes PVs, VGs and LVs as bytes into partitions of a plain
 * image file (writeLvm, no tools), then the REAL lvm2 reads them from read-only loop devices: pvs, vgs,
 * lvs must report the planned layout, vgck must pass, and `vgcfgbackup` (lvm's own re-export of what it
 * parsed) must be byte-identical to Kiln's backup-style text. Nothing is ever activated.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openSync, readFileSync, readSync, closeSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { formatLvmId, formatVgMetadata, lvmId, lvmPeCount, writeLvm, type LvmPv, type LvmVg } from '../../../../src/block-device/lvm/index.js';
import { findTool } from '../../../helpers/host-tools.js';
import { bytes } from '../../../../src/units.js';
import { currentIdentity } from '../../../../src/sandbox/identity.js';
import { attachRange, detach, makeImage, readPartitions, maskBackupHeader, PrivateLvm, tempDir, type Partition } from './oracle.js';

const CI = process.env.CI === 'true';
const missing = ['lvm', 'losetup', 'sfdisk'].filter((t) => !findTool(t));
const skip = CI
  ? false
  : !currentIdentity().privileged
    ? 'needs root (losetup for the lvm oracle)'
    : missing.length
      ? `missing tools: ${missing.join(', ')}`
      : false;

const SEED = 'lvm-oracle';
const EPOCH = 1700000000;

function pv(name: string, part: Partition, hint: string): LvmPv {
  return {
    name,
    uuid: lvmId(SEED, `pv:${name}`),
    deviceBytes: bytes(part.sizeBytes),
    peStartSectors: 2048,
    peCount: lvmPeCount(part.sizeBytes),
    deviceHint: hint,
  };
}

function vg(name: string, pvs: LvmPv[], lvs: [string, [string, number, number][]][]): LvmVg {
  return {
    name,
    uuid: lvmId(SEED, `vg:${name}`),
    seqno: 1,
    extentSizeSectors: 8192,
    creationHost: 'kiln',
    creationTime: EPOCH,
    pvs,
    lvs: lvs.map(([lv, segs]) => {
      let start = 0;
      return {
        name: lv,
        uuid: lvmId(SEED, `lv:${name}/${lv}`),
        segments: segs.map(([p, pvStart, count]) => {
          const s = { startExtent: start, extentCount: count, pv: p, pvStartExtent: pvStart };
          start += count;
          return s;
        }),
      };
    }),
  };
}

/** Writes `vgs` into the image, attaches every PV read-only, and checks each VG against lvm's view. */
async function checkWithLvm(image: string, parts: Record<string, Partition>, vgs: LvmVg[], sectorSize: 512 | 4096 = 512): Promise<void> {
  const before = await readPartitions(image);
  for (const g of vgs) writeLvm(image, Object.fromEntries(g.pvs.map((p) => [p.name, bytes(parts[p.name]!.offsetBytes)])), g);
  assert.deepEqual(await readPartitions(image), before, 'the partition table survives writeLvm');
  const devs = new Map<string, string>();
  const lvm = { current: undefined as PrivateLvm | undefined };
  try {
    for (const g of vgs) for (const p of g.pvs) devs.set(p.name, await attachRange(image, parts[p.name]!, sectorSize));
    lvm.current = new PrivateLvm([...devs.values()]);
    const l = lvm.current;
    const pvRows = await l.report('pvs', ['-o', 'pv_name,vg_name,pv_uuid,dev_size,pv_pe_count,pe_start']);
    const vgRows = await l.report('vgs', ['-o', 'vg_name,vg_uuid,vg_extent_size,vg_extent_count,vg_free_count,pv_count,lv_count,vg_seqno']);
    const lvRows = await l.report('lvs', ['--segments', '-o', 'vg_name,lv_name,lv_uuid,seg_start_pe,seg_size_pe,seg_pe_ranges,segtype']);
    for (const g of vgs) {
      const used = g.lvs.reduce((n, lv) => n + lv.segments.reduce((m, s) => m + s.extentCount, 0), 0);
      const total = g.pvs.reduce((n, p) => n + p.peCount, 0);
      assert.deepEqual(
        vgRows.find((r) => r.vg_name === g.name),
        {
          vg_name: g.name,
          vg_uuid: formatLvmId(g.uuid),
          vg_extent_size: '8192',
          vg_extent_count: String(total),
          vg_free_count: String(total - used),
          pv_count: String(g.pvs.length),
          lv_count: String(g.lvs.length),
          vg_seqno: '1',
        },
      );
      for (const p of g.pvs) {
        assert.deepEqual(
          pvRows.find((r) => r.pv_name === devs.get(p.name)),
          {
            pv_name: devs.get(p.name),
            vg_name: g.name,
            pv_uuid: formatLvmId(p.uuid),
            dev_size: String(p.deviceBytes / 512),
            pv_pe_count: String(p.peCount),
            pe_start: '2048',
          },
        );
      }
      const expected = g.lvs.flatMap((lv) =>
        lv.segments.map((s) => ({
          vg_name: g.name,
          lv_name: lv.name,
          lv_uuid: formatLvmId(lv.uuid),
          seg_start_pe: String(s.startExtent),
          seg_size_pe: String(s.extentCount),
          segtype: 'linear',
          seg_pe_ranges: `${devs.get(s.pv)}:${s.pvStartExtent}-${s.pvStartExtent + s.extentCount - 1}`,
        })),
      );
      // lvs sorts by name; compare as sets of segments.
      const bySeg = (a: Record<string, string | undefined>, b: Record<string, string | undefined>): number =>
        `${a.lv_name}/${a.seg_start_pe!.padStart(9, '0')}`.localeCompare(`${b.lv_name}/${b.seg_start_pe!.padStart(9, '0')}`);
      assert.deepEqual(lvRows.filter((r) => r.vg_name === g.name).sort(bySeg), expected.sort(bySeg));
      await l.run(['vgck', g.name]); // throws on a non-zero exit
      const file = join(l.dir, `${g.name}.backup`);
      await l.run(['vgcfgbackup', '-f', file, g.name]);
      const asLvmSees = { ...g, pvs: g.pvs.map((p) => ({ ...p, deviceHint: devs.get(p.name)! })) };
      assert.equal(maskBackupHeader(readFileSync(file, 'utf8')), maskBackupHeader(formatVgMetadata(asLvmSees, { style: 'backup' })));
    }
    assert.equal(pvRows.length, devs.size);
  } finally {
    for (const dev of devs.values()) await detach(dev);
    lvm.current?.remove();
  }
}

test('lvm oracle: one PV, one VG, three LVs', { skip, timeout: 120_000 }, async () => {
  const dir = tempDir();
  try {
    const { image, parts } = await makeImage(dir, 256, 'label: gpt\nsize=16MiB, type=L\ntype=lvm\n');
    const p = pv('pv_root', parts[1]!, '/dev/vda2');
    assert.equal(p.peCount, 59); // partition 2 = 17 MiB..256 MiB - 33 sectors: (239 MiB - 16.5 KiB - 1 MiB pe_start) / 4 MiB
    const g = vg(
      'vg',
      [p],
      [
        ['root', [['pv_root', 0, 25]]],
        ['var', [['pv_root', 25, 10]]],
        ['home', [['pv_root', 40, 5]]],
      ],
    );
    await checkWithLvm(image, { pv_root: parts[1]! }, [g]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('lvm oracle: two PVs, one VG, an LV spanning both', { skip, timeout: 120_000 }, async () => {
  const dir = tempDir();
  try {
    const { image, parts } = await makeImage(dir, 128, 'label: dos\nsize=40MiB, type=8e\nsize=40MiB, type=8e\n');
    const a = pv('pv1', parts[0]!, '/dev/sda1');
    const b = pv('pv2', parts[1]!, '/dev/sda2');
    const g = vg(
      'spanvg',
      [a, b],
      [
        [
          'root',
          [
            ['pv1', 0, a.peCount],
            ['pv2', 0, 4],
          ],
        ],
        ['tail', [['pv2', 5, 3]]],
      ],
    );
    await checkWithLvm(image, { pv1: parts[0]!, pv2: parts[1]! }, [g]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('lvm oracle: two VGs in one image', { skip, timeout: 120_000 }, async () => {
  const dir = tempDir();
  try {
    const { image, parts } = await makeImage(dir, 128, 'label: gpt\nsize=32MiB, type=lvm\nsize=48MiB, type=lvm\n');
    const a = pv('pva', parts[0]!, '/dev/vda1');
    const b = pv('pvb', parts[1]!, '/dev/vda2');
    const g1 = vg(
      'vg_sys',
      [a],
      [
        ['root', [['pva', 0, 3]]],
        ['swap', [['pva', 3, 2]]],
      ],
    );
    const g2 = vg('vg_data', [b], [['data', [['pvb', 1, 6]]]]);
    await checkWithLvm(image, { pva: parts[0]!, pvb: parts[1]! }, [g1, g2]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('lvm oracle: the same bytes on a 4096-byte logical-sector device (lvm counts in 512-byte units)', { skip, timeout: 120_000 }, async () => {
  const dir = tempDir();
  try {
    const { image, parts } = await makeImage(dir, 64, 'label: gpt\ntype=lvm\n');
    const p = pv('pv4k', parts[0]!, '/dev/vda1');
    const g = vg(
      'vg4k',
      [p],
      [
        ['root', [['pv4k', 0, 4]]],
        ['var', [['pv4k', 6, p.peCount - 6]]],
      ],
    );
    await checkWithLvm(image, { pv4k: parts[0]! }, [g], 4096);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('writeLvm keeps sector 0 of the PV and zeroes stale bytes up to pe_start', { timeout: 60_000 }, async () => {
  const dir = tempDir();
  try {
    const { writeFileSync } = await import('node:fs');
    const image = join(dir, 'pv.img');
    writeFileSync(image, Buffer.alloc(12 << 20, 0xab));
    const p: LvmPv = { name: 'p', uuid: lvmId(SEED, 'p'), deviceBytes: bytes(8 << 20), peStartSectors: 2048, peCount: 1, deviceHint: '/dev/x' };
    writeLvm(image, { p: bytes(2 << 20) }, vg('v', [p], [['l', [['p', 0, 1]]]]));
    const fd = openSync(image, 'r');
    const head = Buffer.alloc(4 << 20);
    readSync(fd, head, 0, head.length, 0);
    closeSync(fd);
    const region = head.subarray(2 << 20);
    assert.ok(
      head.subarray(0, 2 << 20).every((x) => x === 0xab),
      'bytes before the PV untouched',
    );
    assert.ok(
      region.subarray(0, 512).every((x) => x === 0xab),
      'PV sector 0 untouched',
    );
    assert.equal(region.subarray(512, 520).toString('latin1'), 'LABELONE');
    assert.ok(
      region.subarray(1024, 4096).every((x) => x === 0),
      'gap after the label zeroed',
    );
    assert.ok(
      region.subarray((1 << 20) - 512, 1 << 20).every((x) => x === 0),
      'end of the metadata area zeroed',
    );
    assert.ok(
      region.subarray(1 << 20).every((x) => x === 0xab),
      'extents untouched',
    );
    assert.throws(() => writeLvm(image, { p: bytes(8 << 20) }, vg('v', [p], [])), /ends past the image/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
