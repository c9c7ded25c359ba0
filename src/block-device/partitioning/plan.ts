/** A partitioning node's table, as DIB lays it out for its label (plan-mbr.ts, plan-gpt.ts). */
import { KilnError } from '../../errors.js';
import { deriveU32 } from '../common/guid.js';
import type { ImagePlan, PartitionTablePlan } from '../common/plan-types.js';
import type { PartitioningNode } from '../graph/types.js';
import { planGpt } from './plan-gpt.js';
import { planMbr } from './plan-mbr.js';

export function planPartitionTable(t: PartitioningNode, image: ImagePlan, seed: string, problems: KilnError[]): PartitionTablePlan {
  if (t.label === 'mbr') {
    if (image.sectorSize !== 512)
      problems.push(
        new KilnError(`MBR ${t.name}: block_size ${image.sectorSize} is not supported (DIB's MBR writer assumes 512-byte sectors)`, {
          where: t.where,
          hint: 'use label: gpt for 4K-sector images',
        }),
      );
    return planMbr(t, image.sizeBytes, deriveU32(seed, `mbr-disk-signature:${t.name}`), problems);
  }
  return planGpt(t, image.sizeBytes, image.sectorSize, seed, problems);
}
