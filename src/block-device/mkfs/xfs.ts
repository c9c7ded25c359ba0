/**
 * XFS: mkfs.xfs has no offset option, so it builds the filesystem in a sparse scratch file of the
 * region's size, populated from a protofile generated from the tree (-p), and its non-zero blocks are
 * copied into the region. What the protofile cannot carry (sticky bit, timestamps) is set afterwards
 * with xfs_db (xfs-fixup.ts).
 */
import { rmSync, writeFileSync } from 'node:fs';
import { KilnError } from '../../errors.js';
import { deriveGuid } from '../common/guid.js';
import { encodeXfsProto } from './xfs-proto.js';
import { copyScratchIntoRegion, withScratchFile } from './region.js';
import { listTree, type TreeEntry } from './tree.js';
import { encodeXfsDbFixups, parseXfsDbInfo, xfsDbFailure } from './xfs-fixup.js';
import { runTool, where } from './run.js';
import type { MkfsContext, MkfsRequest } from './types.js';

/** xfsprogs >= 5.19 refuses new filesystems smaller than 300 MiB ("Filesystem must be larger than 300MB"). */
export const XFS_MIN_BYTES = 300 * 1024 * 1024;
export const XFS_LABEL_MAX = 12;

export function mkfsXfsArgs(req: MkfsRequest, target: string, protofile?: string): string[] {
  if (req.sizeBytes < XFS_MIN_BYTES) {
    throw new KilnError(`${where(req)}: ${req.sizeBytes} bytes is below the XFS minimum of 300 MiB`, {
      hint: 'make the partition at least 300MiB, or use ext4',
    });
  }
  if (req.label && req.label.length > XFS_LABEL_MAX)
    throw new KilnError(`label '${req.label}' is longer than ${XFS_LABEL_MAX} characters (xfs)`, { where: where(req) });
  const args = ['-q', '-f', '-m', `uuid=${req.uuid ?? deriveGuid(req.seed, 'fs-uuid')}`];
  if (req.label) args.push('-L', req.label);
  if (protofile) args.push('-p', protofile);
  args.push(...req.opts, target);
  return args;
}

export async function makeXfs(ctx: MkfsContext, req: MkfsRequest): Promise<void> {
  mkfsXfsArgs(req, '');
  await withScratchFile(req.image, req.sizeBytes, async (scratch) => {
    let protofile: string | undefined;
    let entries: TreeEntry[] = [];
    let skipped: string[] = [];
    if (req.sourceDir) {
      entries = await listTree(ctx, req.sourceDir);
      const proto = encodeXfsProto(req.sourceDir, entries);
      skipped = proto.skipped;
      if (proto.skipped.length) ctx.log.warn(`xfs ${where(req)}: ${proto.skipped.length} socket(s) skipped: ${proto.skipped.slice(0, 5).join(', ')}`);
      protofile = `${scratch}.proto`;
      writeFileSync(protofile, proto.text);
    }
    try {
      await runTool(ctx, req.sourceDir !== undefined, 'mkfs.xfs', mkfsXfsArgs(req, scratch, protofile), { context: `mkfs ${where(req)}` });
    } finally {
      if (protofile) rmSync(protofile, { force: true });
    }
    if (entries.length) {
      const info = parseXfsDbInfo((await ctx.runner.run('xfs_db', ['-r', '-c', 'version', '-c', 'sb 0', '-c', 'print rbmino rsumino', scratch])).stdout);
      const fixups = encodeXfsDbFixups(entries, new Set(skipped), req.epoch, info.bigtime, info.metaInodes);
      const r = await ctx.runner.run('xfs_db', ['-x', scratch], { input: fixups, context: `xfs_db fix-ups ${where(req)}` });
      const bad = xfsDbFailure(`${r.stdout}\n${r.stderr}`);
      if (bad) throw new KilnError(`${where(req)}: xfs_db could not set modes/times: ${bad}`);
    }
    await copyScratchIntoRegion(ctx, scratch, req.image, req.offsetBytes, req.sizeBytes);
  });
}
