/**
 * Btrfs: mkfs.btrfs --rootdir fills the filesystem from the tree, but has no offset option
 * (btrfs-progs 6.2), so it writes a sparse scratch file of the region's size whose non-zero blocks
 * are then copied into the region. Its random ids and times are then made a function of the inputs
 * (btrfs-normalize.ts).
 *
 * mkfs.btrfs numbers the inodes after the source's st_ino, which depends on the history of the
 * host filesystem the tree lives on. So the tree is first copied, in sorted order by one process, into
 * a fresh tmpfs mounted in a private mount namespace: tmpfs numbers the inodes of a mount in the
 * order they are created (Linux >= 5.9), so the same content gives the same numbers, and the same bytes.
 */
import { mkdirSync, rmdirSync } from 'node:fs';
import { KilnError } from '../../errors.js';
import { asTreeRoot } from '../../sandbox/identity.js';
import { deriveGuid } from '../common/guid.js';
import { normalizeBtrfs } from './btrfs-normalize.js';
import { copyScratchIntoRegion, withScratchFile } from './region.js';
import { runTool, where } from './run.js';
import type { MkfsContext, MkfsRequest } from './types.js';

export const BTRFS_LABEL_MAX = 255;

export function mkfsBtrfsArgs(req: MkfsRequest, target: string, rootDir = req.sourceDir): string[] {
  if (req.label && req.label.length > BTRFS_LABEL_MAX) throw new KilnError(`label '${req.label}' is too long (btrfs)`, { where: where(req) });
  const args = ['-q', '-f', '-U', req.uuid ?? deriveGuid(req.seed, 'fs-uuid')];
  if (req.label) args.push('-L', req.label);
  if (rootDir) args.push('--rootdir', rootDir);
  args.push(...req.opts, target);
  return args;
}

/**
 * The script run as root of the tree in a private mount namespace: $1 the (empty) mount point, $2 the
 * tree, then mkfs.btrfs's arguments (with --rootdir $1). tar --sort=name makes the creation order a
 * function of the names; times, owners, modes, hard links and xattrs are kept (the times mkfs.btrfs
 * copies are clamped afterwards).
 */
export const SORTED_COPY_SCRIPT = [
  'set -eu -o pipefail',
  'mnt=$1 src=$2',
  'shift 2',
  'mount -t tmpfs -o mode=0755,size=100%,nr_inodes=0 kiln-btrfs-tree "$mnt"',
  'tar -C "$src" --sort=name --numeric-owner --xattrs "--xattrs-include=*" -cf - . | tar -C "$mnt" --numeric-owner --xattrs "--xattrs-include=*" -xpf -',
  'exec mkfs.btrfs "$@"',
].join('\n');

export async function makeBtrfs(ctx: MkfsContext, req: MkfsRequest): Promise<void> {
  await withScratchFile(req.image, req.sizeBytes, async (scratch) => {
    if (req.sourceDir !== undefined) {
      const mnt = `${scratch}.tree`;
      mkdirSync(mnt);
      try {
        const argv = [
          ...asTreeRoot(ctx.identity, { mount: true }),
          'bash',
          '-c',
          SORTED_COPY_SCRIPT,
          'kiln-btrfs',
          mnt,
          req.sourceDir,
          ...mkfsBtrfsArgs(req, scratch, mnt),
        ];
        await ctx.runner.run(argv[0]!, argv.slice(1), { context: `mkfs ${where(req)}` });
      } finally {
        rmdirSync(mnt);
      }
    } else {
      await runTool(ctx, false, 'mkfs.btrfs', mkfsBtrfsArgs(req, scratch), { context: `mkfs ${where(req)}` });
    }
    const n = normalizeBtrfs(scratch, req.epoch, req.seed);
    if (n.skipped) ctx.log.warn(`btrfs ${where(req)}: not made reproducible (${n.skipped})`);
    else
      ctx.log.debug(
        `btrfs: derived the device, chunk tree and subvolume ids, clamped times to ${req.epoch} in ${n.blocks} tree block(s), cleared ${n.cleared} stale one(s)`,
      );
    await copyScratchIntoRegion(ctx, scratch, req.image, req.offsetBytes, req.sizeBytes);
  });
}
