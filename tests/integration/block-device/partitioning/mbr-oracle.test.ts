/**
 * MBR bytes against DIB's own writer (level1/mbr.py, run with the system python through
 * oracle-mbr.py): the whole chain plan -> mbrTableOf -> encodeMbr must give the same sectors
 * (MBR and every EBR), given the same disk signature.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { encodeMbr } from '../../../../src/block-device/partitioning/encode-mbr.js';
import { mbrTableOf } from '../../../../src/block-device/partitioning/plan-mbr.js';
import { DIB_PY, REPO, mbrTestTable as table, type MbrTestPartition as P } from '../../../helpers/block-device.js';
import { dibPython } from '../../../helpers/dib-oracle.js';

const ten = (primary: boolean): P => ({ primary, size: '10MiB' });
const oracle = join(REPO, 'tests/integration/block-device/partitioning/oracle-mbr.py');
const haveDib = existsSync(join(DIB_PY, 'block_device/level1/mbr.py')) && existsSync('/usr/bin/python3');

describe("MBR bytes equal DIB's writer", { skip: !haveDib && process.env.CI !== 'true' ? 'real DIB (python3-diskimage-builder) not installed' : false }, () => {
  const cases: [string, P[]][] = [
    ['primaries', [{ primary: true, boot: true, size: '10MiB' }, ten(true), { primary: true, size: '100%' }]],
    [
      'primaries + logicals',
      [
        ten(true),
        { primary: true, size: '33MiB', type: '0c' },
        ten(false),
        { primary: false, boot: true, size: '7MiB' },
        { primary: false, size: '50%' },
        { primary: false, size: '100%' },
      ],
    ],
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
        const py = dibPython([oracle, ref, String(256 * 1024 * 1024), String(1024 * 1024), String(diskId), ...specs]);
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
