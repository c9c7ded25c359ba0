/**
 * MBR arithmetic: the reference values of DIB's block_device/tests/test_mbr.py (partx sectors). The
 * byte oracle against DIB's own writer is tests/integration/block-device/partitioning/mbr-oracle.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mbrTableOf } from '../../../../src/block-device/partitioning/plan-mbr.js';
import type { PartitionTablePlan } from '../../../../src/block-device/common/plan-types.js';
import { GiB, mbrTestTable as table, type MbrTestPartition as P } from '../../../helpers/block-device.js';

/** partx --raw -g -b style: NR START END TYPE */
function rows(t: PartitionTablePlan): string[] {
  const r = t.partitions.map((p) => ({ n: p.number, s: p.firstLba, e: p.lastLba, t: p.type.replace(/^0x0?/, '0x') }));
  if (t.extended) r.push({ n: t.extended.number, s: t.extended.firstLba, e: t.extended.firstLba + t.extended.sectors - 1, t: '0xf' });
  return r.sort((a, b) => a.n - b.n).map((x) => `${x.n} ${x.s} ${x.e} ${x.t}`);
}

const ten = (primary: boolean): P => ({ primary, size: '10MiB' });

describe('planMbr: DIB test_mbr.py reference values (1 GiB disk, 10 MiB partitions)', () => {
  it('1 primary', () => assert.deepEqual(rows(table([ten(true)])), ['1 2048 22527 0x83']));
  it('3 primaries', () => assert.deepEqual(rows(table([ten(true), ten(true), ten(true)])), ['1 2048 22527 0x83', '2 22528 43007 0x83', '3 43008 63487 0x83']));
  it('1 logical only', () => assert.deepEqual(rows(table([ten(false)])), ['1 2048 2097151 0xf', '5 4096 24575 0x83']));
  it('3 primaries + 7 logicals', () => {
    const r = rows(table([ten(true), ten(true), ten(true), ...Array.from({ length: 7 }, () => ten(false))]));
    assert.equal(r[3], '4 63488 2097151 0xf');
    assert.equal(r[4], '5 65536 86015 0x83');
    assert.equal(r[5], '6 88064 108543 0x83');
    assert.equal(r.length, 11);
    const starts = r.slice(4).map((x) => Number(x.split(' ')[1]));
    for (let i = 1; i < starts.length; i++) assert.equal(starts[i]! - starts[i - 1]!, 22528);
  });
  it('64 logicals: 65 partitions + container, stride 22528', () => {
    const t = table(Array.from({ length: 64 }, () => ten(false)));
    assert.equal(rows(t).length, 65);
    assert.equal(t.partitions[63]!.number, 68);
    for (let i = 1; i < 64; i++) assert.equal(t.partitions[i]!.firstLba - t.partitions[i - 1]!.firstLba, 22528);
  });
  it('custom type 0x0c and boot flag', () => {
    const t = table([{ primary: true, boot: true, size: '10MiB', type: '0c' }]);
    assert.equal(t.partitions[0]!.type, '0x0c');
    assert.deepEqual(mbrTableOf(t).primaries[0], { bootable: true, type: 0x0c, startLba: 2048, sectors: 20480 });
  });
  it('100% primary is of free() = disk - (next_free + align)', () => {
    const p = table([{ primary: true, size: '100%' }]).partitions[0]!;
    assert.equal(p.firstLba, 2048);
    assert.equal(p.sectors, GiB / 512 - 2048 - 2048);
  });
});
