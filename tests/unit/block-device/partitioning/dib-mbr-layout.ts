/**
 * Test helper: DIB's MBR layout algorithm (diskimage_builder/block_device/level1/mbr.py) turned into
 * an MbrTable, so the encoder can be compared with DIB's own writer. The real planner is
 * src/block-device/partitioning/plan-mbr.ts; this is a small independent copy.
 */
import type { MbrTable } from '../../../../src/block-device/partitioning/encode-types.js';

export interface DibPart {
  primary: boolean;
  boot: boolean;
  sizeBytes: number;
  type: number;
}

export function dibMbrLayout(diskBytes: number, parts: DibPart[], alignBytes = 1024 * 1024, diskSignature = 0x12345678): MbrTable {
  const a = alignBytes / 512;
  const total = diskBytes / 512;
  const align = (n: number): number => Math.ceil(n / a) * a;
  const t: MbrTable = { diskSignature, primaries: [null, null, null, null], logicals: [] };
  let next = align(1);
  let slot = 0;
  for (const p of parts) {
    const sectors = Math.floor(p.sizeBytes / 512);
    if (p.primary) {
      const start = align(next);
      t.primaries[slot++] = { bootable: p.boot, type: p.type, startLba: start, sectors };
      next = align(start + sectors);
      continue;
    }
    if (t.extendedStartLba === undefined) {
      t.extendedStartLba = next;
      t.primaries[slot++] = { bootable: false, type: 0x0f, startLba: next, sectors: total - next };
    }
    const ebr = next;
    const start = align(ebr + 1);
    t.logicals.push({ ebrLba: ebr, entry: { bootable: p.boot, type: p.type, startLba: start, sectors } });
    next = align(start + sectors);
  }
  return t;
}
