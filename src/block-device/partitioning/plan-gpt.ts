/**
 * GPT layout as DIB (level1/partitioning.py _create_gpt) drives sgdisk: disk_free = size - 2 MiB;
 * each size (N% of the current disk_free) is floored to whole MiB and given as `-n N:0:+<MiB>M`, so
 * each partition starts at the first free 1 MiB-aligned sector (LBA 2048 with 512-byte sectors) and
 * disk_free shrinks by the unfloored size. The backup GPT (array + header) stays free at the end.
 */
import { KilnError } from '../../errors.js';
import { GiB, MiB, type Bytes } from '../../units.js';
import { deriveGuid } from '../common/guid.js';
import type { PartitionPlan, PartitionTablePlan } from '../common/plan-types.js';
import { sectorBytes } from '../common/sectors.js';
import { resolveSize } from '../common/sizes.js';
import type { PartitioningNode } from '../graph/types.js';
import { gptGeometry } from './encode-gpt.js';
import type { GptTable } from './encode-types.js';
import { gptTypeGuid } from './gpt-types.js';

export function planGpt(t: PartitioningNode, diskBytes: Bytes, sectorSize: 512 | 4096, seed: string, problems: KilnError[]): PartitionTablePlan {
  const totalSectors = Math.floor(diskBytes / sectorSize);
  const geo = gptGeometry(totalSectors, sectorSize);
  const align = MiB / sectorSize; // sgdisk: 1 MiB alignment, 2048 sectors of 512
  const alignUp = (b: number): number => Math.ceil(b / align) * align;
  // signed: a partition that does not fit (reported) overdraws it
  let diskFree = diskBytes - 2 * MiB;
  let next = alignUp(geo.firstUsableLba);
  const plan: PartitionTablePlan = { name: t.name, label: 'gpt', alignSectors: align, diskGuid: deriveGuid(seed, `gpt-disk:${t.name}`), partitions: [] };
  t.partitions.forEach((p, i) => {
    if (!p.size || p.gptType === undefined) return;
    const bytes = resolveSize(p.size, diskFree);
    const mib = Math.floor(bytes / MiB);
    let type = '';
    try {
      type = gptTypeGuid(p.gptType);
    } catch (err) {
      const e = err as KilnError;
      problems.push(new KilnError(`partition ${p.name}: ${e.message}`, { where: p.where, ...(e.hint ? { hint: e.hint } : {}) }));
    }
    const start = alignUp(next);
    const sectors = (mib * MiB) / sectorSize;
    const last = start + sectors - 1;
    if (bytes > diskFree) {
      problems.push(
        new KilnError(`partition ${p.name} does not fit: ${bytes} bytes asked, ${Math.max(diskFree, 0)} left (GPT keeps 2 MiB for its tables)`, {
          where: p.where,
          // the size that holds this partition and the ones before it (tables, 1 MiB alignment each)
          hint: `the partitions up to ${p.name} need an image of at least ${Math.ceil((diskBytes - diskFree + bytes + (i + 2) * MiB) / GiB)} GiB: give --image-size (or local_loop size) that big, or make the partitions smaller`,
        }),
      );
    } else if (mib === 0) {
      problems.push(
        new KilnError(`partition ${p.name} is smaller than 1 MiB (${bytes} bytes): sgdisk sizes are whole MiB`, {
          where: p.where,
          hint: "give at least size: '1MiB'",
        }),
      );
    } else if (last > geo.lastUsableLba) {
      problems.push(
        new KilnError(`partition ${p.name} does not fit: it ends at sector ${last}, the last usable GPT sector is ${geo.lastUsableLba}`, { where: p.where }),
      );
    }
    diskFree -= bytes;
    next = last + 1;
    const part: PartitionPlan = {
      name: p.name,
      number: i + 1,
      firstLba: start,
      lastLba: last,
      sectors,
      offsetBytes: sectorBytes(start, sectorSize),
      sizeBytes: sectorBytes(sectors, sectorSize),
      flags: p.flags,
      type,
      typeCode: p.gptType,
      uuid: deriveGuid(seed, `gpt-partition:${t.name}:${p.name}`),
      where: p.where,
    };
    plan.partitions.push(part);
  });
  return plan;
}

/** The encoder's input (encodeGpt) for a planned GPT table. */
export function gptTableOf(p: PartitionTablePlan, totalSectors: number, sectorSize: 512 | 4096): GptTable {
  return {
    diskGuid: p.diskGuid!,
    totalSectors,
    sectorSize,
    // DIB/sgdisk set no attributes: the 'boot' flag is accepted but ignored for GPT.
    entries: p.partitions.map((x) => ({ typeGuid: x.type, uniqueGuid: x.uuid!, firstLba: x.firstLba, lastLba: x.lastLba, attributes: 0n, name: x.name })),
  };
}
