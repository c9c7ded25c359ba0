/**
 * MBR layout, sector for sector as DIB's native writer (diskimage_builder/block_device/level1/mbr.py
 * and partitioning.py _create_mbr):
 * 512-byte sectors; first partition at the first aligned LBA; a primary starts at the aligned end
 * of the previous one; the first logical opens an extended container (0x0f, next free aligned LBA
 * to the end of the disk, numbering jumps to 5); each logical's EBR sits at the next aligned LBA
 * and its data one alignment unit later; N% is of free() = disk - (next_free + align) * 512.
 */
import { KilnError } from '../../errors.js';
import type { Bytes } from '../../units.js';
import type { PartitionPlan, PartitionTablePlan } from '../common/plan-types.js';
import { sectorBytes } from '../common/sectors.js';
import { resolveSize } from '../common/sizes.js';
import type { PartitioningNode } from '../graph/types.js';
import type { MbrTable } from './encode-types.js';

const SECTOR = 512;

export function planMbr(t: PartitioningNode, diskBytes: Bytes, diskSignature: number, problems: KilnError[]): PartitionTablePlan {
  const align = t.alignBytes / SECTOR;
  const diskBlocks = Math.floor(diskBytes / SECTOR);
  const alignUp = (b: number): number => (b % align === 0 ? b : (Math.floor(b / align) + 1) * align);
  // DIB's partition_abs_start only positions EBR links, which the encoder derives from the container
  let nextFree = alignUp(1);
  let number = 0;
  let logicals = 0;
  const plan: PartitionTablePlan = {
    name: t.name,
    label: 'mbr',
    alignSectors: align,
    diskSignature: `0x${diskSignature.toString(16).padStart(8, '0')}`,
    partitions: [],
  };
  if (diskBlocks > 0xffffffff) {
    problems.push(
      new KilnError(`MBR ${t.name}: the disk has ${diskBlocks} sectors; an MBR addresses at most 2^32 (2 TiB)`, { where: t.where, hint: 'use label: gpt' }),
    );
    return plan;
  }
  for (const p of t.partitions) {
    if (!p.size || p.mbrType === undefined) continue;
    // signed: a partition that does not fit (reported) overdraws it
    const free = diskBytes - (nextFree + align) * SECTOR;
    const bytes = resolveSize(p.size, free);
    const sectors = Math.floor(bytes / SECTOR);
    const primary = p.flags.includes('primary');
    let start: number;
    let ebrLba: number | undefined;
    if (primary) {
      start = alignUp(nextFree);
      number += 1;
    } else {
      if (logicals === 0) {
        plan.extended = { number: number + 1, firstLba: nextFree, sectors: diskBlocks - nextFree };
        number = 4;
      }
      ebrLba = nextFree;
      start = alignUp(ebrLba + 1);
      number += 1;
      logicals += 1;
    }
    nextFree = alignUp(start + sectors);
    const last = start + sectors - 1;
    if (sectors <= 0 && p.size.relative) {
      problems.push(
        new KilnError(`partition ${p.name} does not fit: no space is left for ${p.size.text} of the free space`, {
          where: p.where,
          hint: 'make the partitions before it smaller or the image bigger',
        }),
      );
    } else if (sectors <= 0) {
      problems.push(
        new KilnError(`partition ${p.name} is empty (size ${p.size.text} -> ${bytes} bytes)`, { where: p.where, hint: 'give it at least one sector' }),
      );
    } else if (last >= diskBlocks) {
      problems.push(
        new KilnError(`partition ${p.name} does not fit: it ends at sector ${last}, the disk has ${diskBlocks} sectors (${diskBytes} bytes)`, {
          where: p.where,
          hint: 'make the partitions smaller or the image bigger (local_loop size / --image-size)',
        }),
      );
    }
    const part: PartitionPlan = {
      name: p.name,
      number,
      firstLba: start,
      lastLba: last,
      sectors,
      offsetBytes: sectorBytes(start, SECTOR),
      sizeBytes: sectorBytes(sectors, SECTOR),
      flags: p.flags,
      type: `0x${p.mbrType.toString(16).padStart(2, '0')}`,
      where: p.where,
    };
    if (!primary) {
      part.logical = true;
      part.ebrLba = ebrLba!;
    }
    plan.partitions.push(part);
  }
  return plan;
}

/** The encoder's input (encodeMbr) for a planned MBR table. */
export function mbrTableOf(p: PartitionTablePlan): MbrTable {
  const primaries: MbrTable['primaries'] = [null, null, null, null];
  const logicals: MbrTable['logicals'] = [];
  for (const x of p.partitions) {
    const entry = { bootable: x.flags.includes('boot'), type: Number.parseInt(x.type, 16), startLba: x.firstLba, sectors: x.sectors };
    if (x.logical) logicals.push({ ebrLba: x.ebrLba!, entry });
    else primaries[x.number - 1] = entry;
  }
  if (p.extended) primaries[p.extended.number - 1] = { bootable: false, type: 0x0f, startLba: p.extended.firstLba, sectors: p.extended.sectors };
  const t: MbrTable = { diskSignature: Number.parseInt(p.diskSignature ?? '0', 16), primaries, logicals };
  if (p.extended) t.extendedStartLba = p.extended.firstLba;
  return t;
}
