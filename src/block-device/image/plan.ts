/**
 * The image's size: the local_loop's size, else DIB's image-size param, else measured from the tree
 * (size.ts), rounded down to whole sectors.
 */
import { KilnError } from '../../errors.js';
import { bytes } from '../../units.js';
import type { ImagePlan } from '../common/plan-types.js';
import type { NodeContext, ResolvedConfig } from '../graph/types.js';
import { planImageSize } from './size.js';

/** The planner options the size comes from (PlanOptions in plan.ts documents them). */
export interface ImageSizeOptions {
  imageSizeBytes?: number;
  tree?: { usedKiB: number };
  extraSizeMiB?: number;
  journalMiB?: number;
}

export function planImage(
  r: ResolvedConfig,
  name: string,
  configBytes: number | undefined,
  sectorSize: 512 | 4096,
  opts: ImageSizeOptions,
  ctx: NodeContext,
): ImagePlan | undefined {
  let size: number;
  let from: Pick<ImagePlan, 'sizeFrom' | 'sizeReport'>;
  if (configBytes !== undefined) {
    size = configBytes;
    from = { sizeFrom: 'config' };
  } else if (opts.imageSizeBytes !== undefined) {
    size = opts.imageSizeBytes;
    from = { sizeFrom: 'param' };
  } else if (opts.tree) {
    const rootFs = r.mkfs.find((m) => r.mounts.some((x) => x.base === m.name && x.mountPoint === '/'));
    const hasEsp =
      r.tables.some((t) => t.partitions.some((p) => p.gptType?.toUpperCase() === 'EF00' || p.mbrType === 0xef)) ||
      r.mkfs.some((m) => (m.type === 'vfat' || m.type === 'fat') && r.mounts.some((x) => x.base === m.name && x.mountPoint === '/boot/efi'));
    const report = planImageSize({
      treeKiB: opts.tree.usedKiB,
      ext4Root: rootFs?.type === 'ext4',
      hasEsp,
      ...(opts.extraSizeMiB !== undefined ? { extraMiB: opts.extraSizeMiB } : {}),
      ...(opts.journalMiB !== undefined ? { journalMiB: opts.journalMiB } : {}),
    });
    size = report.totalKiB * 1024;
    from = { sizeFrom: 'measured', sizeReport: report };
  } else {
    ctx.problems.push(
      new KilnError(`local_loop ${name}: no image size`, {
        where: r.images[0]!.where,
        hint: 'set size: on the local_loop, pass --image-size, or give a tree to measure (--root)',
      }),
    );
    return undefined;
  }
  const rounded = Math.floor(size / sectorSize) * sectorSize;
  if (rounded !== size) ctx.warnings.push(`image size ${size} rounded down to ${rounded} (a multiple of the ${sectorSize}-byte sector)`);
  if (rounded < 1024 * 1024)
    ctx.problems.push(new KilnError(`image size ${rounded} bytes is too small`, { where: r.images[0]!.where, hint: 'give at least a few MiB' }));
  return { name, sizeBytes: bytes(Math.max(0, rounded)), sectorSize, ...from };
}
