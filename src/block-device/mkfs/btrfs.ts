/**
 * Btrfs: mkfs.btrfs --rootdir fills the filesystem from the tree, but has no offset option
 * (btrfs-progs 6.2), so it writes a sparse scratch file of the region's size whose non-zero blocks
 * are then copied into the region. Its random ids and times are then made a function of the inputs
 * (btrfs-normalize.ts).
 */
import { KilnError } from '../../errors.js';
import { deriveGuid } from '../common/guid.js';
import { normalizeBtrfs } from './btrfs-normalize.js';
import { copyScratchIntoRegion, withScratchFile } from './region.js';
import { runTool, where } from './run.js';
import type { MkfsContext, MkfsRequest } from './types.js';

export const BTRFS_LABEL_MAX = 255;

export function mkfsBtrfsArgs(req: MkfsRequest, target: string): string[] {
  if (req.label && req.label.length > BTRFS_LABEL_MAX) throw new KilnError(`label '${req.label}' is too long (btrfs)`, { where: where(req) });
  const args = ['-q', '-f', '-U', req.uuid ?? deriveGuid(req.seed, 'fs-uuid')];
  if (req.label) args.push('-L', req.label);
  if (req.sourceDir) args.push('--rootdir', req.sourceDir);
  args.push(...req.opts, target);
  return args;
}

export async function makeBtrfs(ctx: MkfsContext, req: MkfsRequest): Promise<void> {
  await withScratchFile(req.image, req.sizeBytes, async (scratch) => {
    await runTool(ctx, req.sourceDir !== undefined, 'mkfs.btrfs', mkfsBtrfsArgs(req, scratch), { context: `mkfs ${where(req)}` });
    const n = normalizeBtrfs(scratch, req.epoch, req.seed);
    if (n.skipped) ctx.log.warn(`btrfs ${where(req)}: not made reproducible (${n.skipped})`);
    else
      ctx.log.debug(
        `btrfs: derived the device, chunk tree and subvolume ids, clamped times to ${req.epoch} in ${n.blocks} tree block(s), cleared ${n.cleared} stale one(s)`,
      );
    await copyScratchIntoRegion(ctx, scratch, req.image, req.offsetBytes, req.sizeBytes);
  });
}
