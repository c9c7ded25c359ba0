/**
 * MBR arithmetic: dib-compat 4.5 reference values (test_mbr.py, partx sectors) and DIB's own MBR
 * writer (level1/mbr.py, run with the system python) as a byte oracle for the whole chain
 * plan -> mbrTableOf -> encodeMbr.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { encodeMbr } from '../../../src/block-device/encode/types.js';
import { mbrTableOf } from '../../../src/block-device/plan-mbr.js';
import type { PartitionTablePlan } from '../../../src/block-device/plan-types.js';
import { DIB_PY, GiB, planText, REPO } from '../../helpers/block-device.js';

interface P { primary: boolean; boot?: boolean; size: string; type?: string }

function layout(parts: P[], size: string): string {
  return `- local_loop:\n    name: image0\n    size: ${size}\n- partitioning:\n    base: image0\n    label: mbr\n    partitions:\n${parts.map((p, i) =>
    `      - name: p${i}\n        size: '${p.size}'\n        flags: [${[p.primary ? 'primary' : '', p.boot ? 'boot' : ''].filter(Boolean).join(', ')}]\n${p.type ? `        type: '${p.type}'\n` : ''}`).join('')}`;
}

function table(parts: P[], size = '1GiB'): PartitionTablePlan {
  return planText(layout(parts, size)).partitionTables[0]!;
}

/** partx --raw -g -b style: NR START END TYPE */
function rows(t: PartitionTablePlan): string[] {
  const r = t.partitions.map((p) => ({ n: p.number, s: p.firstLba, e: p.lastLba, t: p.type.replace(/^0x0?/, '0x') }));
  if (t.extended) r.push({ n: t.extended.number, s: t.extended.firstLba, e: t.extended.firstLba + t.extended.sectors - 1, t: '0xf' });
  return r.sort((a, b) => a.n - b.n).map((x) => `${x.n} ${x.s} ${x.e} ${x.t}`);
}

const ten = (primary: boolean): P => ({ primary, size: '10MiB' });

describe('planMbr: dib-compat 4.5 reference values (1 GiB disk, 10 MiB partitions)', () => {
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

const oracle = join(REPO, 'tests/unit/block-device/oracle-mbr.py');
const haveDib = existsSync(join(DIB_PY, 'block_device/level1/mbr.py')) && existsSync('/usr/bin/python3');

describe('MBR bytes equal DIB\'s writer', { skip: !haveDib && process.env['CI'] !== 'true' ? 'real DIB (python3-diskimage-builder) not installed' : false }, () => {
  const cases: [string, P[]][] = [
    ['primaries', [{ primary: true, boot: true, size: '10MiB' }, ten(true), { primary: true, size: '100%' }]],
    ['primaries + logicals', [ten(true), { primary: true, size: '33MiB', type: '0c' }, ten(false), { primary: false, boot: true, size: '7MiB' }, { primary: false, size: '50%' }, { primary: false, size: '100%' }]],
    ['logicals only', Array.from({ length: 9 }, (_, i) => ({ primary: false, size: `${i + 1}MiB` }))],
  ];
  for (const [name, parts] of cases) {
    it(name, () => {
      const dir = mkdtempSync(join(tmpdir(), 'kiln-mbr-'));
      try {
        const t = table(parts, '256MiB');
        const diskId = Number.parseInt(t.diskSignature!, 16);
        const specs = t.partitions.map((p, i) => `${parts[i]!.primary ? 'P' : 'L'}:${parts[i]!.boot ? 1 : 0}:${p.sectors * 512}:${p.type.slice(2)}`);
        // DIB takes sizes in bytes and resolves % itself: pass our resolved sizes, and check the layout too
        const ref = join(dir, 'dib.raw');
        const py = spawnSync('/usr/bin/python3', [oracle, ref, String(256 * 1024 * 1024), String(1024 * 1024), String(diskId), ...specs], { encoding: 'utf8' });
        assert.equal(py.status, 0, py.stderr);
        const dib = readFileSync(ref);
        const mine = Buffer.alloc(dib.length);
        for (const w of encodeMbr(mbrTableOf(t))) w.bytes.copy(mine, w.lba * 512);
        // compare every sector DIB wrote
        for (let lba = 0; lba < dib.length / 512; lba++) {
          const a = dib.subarray(lba * 512, lba * 512 + 512);
          const b = mine.subarray(lba * 512, lba * 512 + 512);
          if (!a.equals(b)) assert.fail(`sector ${lba} differs:\n dib  ${a.subarray(440).toString('hex')}\n ours ${b.subarray(440).toString('hex')}`);
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
