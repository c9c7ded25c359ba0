/** Swap: mkswap (no offset option in util-linux 2.38) on a scratch file, then its header copied in. */
import { KilnError } from '../../errors.js';
import { deriveGuid } from '../common/guid.js';
import { copyScratchIntoRegion, withScratchFile } from './region.js';
import { where } from './run.js';
import type { MkfsContext, MkfsRequest } from './types.js';

export const SWAP_LABEL_MAX = 16;

export function mkswapArgs(req: MkfsRequest, target: string): string[] {
  if (req.label && req.label.length > SWAP_LABEL_MAX)
    throw new KilnError(`label '${req.label}' is longer than ${SWAP_LABEL_MAX} characters (swap)`, { where: where(req) });
  const args = ['-U', req.uuid ?? deriveGuid(req.seed, 'fs-uuid')];
  if (req.label) args.push('-L', req.label);
  args.push(...req.opts, target);
  return args;
}

export async function makeSwap(ctx: MkfsContext, req: MkfsRequest): Promise<void> {
  if (req.sourceDir) ctx.log.warn(`swap ${where(req)}: a swap area has no files; the source directory is ignored`);
  await withScratchFile(req.image, req.sizeBytes, async (scratch) => {
    await ctx.runner.run('mkswap', mkswapArgs(req, scratch), { context: `mkswap ${where(req)}` });
    await copyScratchIntoRegion(ctx, scratch, req.image, req.offsetBytes, req.sizeBytes);
  });
}
