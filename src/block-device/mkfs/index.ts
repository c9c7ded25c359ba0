/**
 * Filesystems made FROM A DIRECTORY straight into a byte region of an image file: no loop device,
 * no mount (docs/filesystems.md). Tools that read the tree run as root of the tree
 * (sandbox/identity.ts asTreeRoot), so owners come out right when unprivileged. The mkfs node's
 * handler and planner are node.ts and plan.ts beside it.
 */
import { statSync } from 'node:fs';
import { KilnError } from '../../errors.js';
import { makeExt } from './ext.js';
import { makeFat } from './fat.js';
import { makeXfs } from './xfs.js';
import { makeBtrfs } from './btrfs.js';
import { makeSwap } from './swap.js';
import { where } from './run.js';
import { FS_TYPES, type FsType, type MkfsContext, type MkfsRequest } from './types.js';

export { FS_TYPES, type FsType, type MkfsContext, type MkfsRequest };

export async function makeFilesystem(ctx: MkfsContext, req: MkfsRequest): Promise<void> {
  if (!Number.isSafeInteger(req.offsetBytes) || !Number.isSafeInteger(req.sizeBytes) || req.offsetBytes < 0 || req.sizeBytes <= 0) {
    throw new KilnError(`${where(req)}: bad region (offset ${req.offsetBytes}, size ${req.sizeBytes})`);
  }
  if (req.sourceDir !== undefined && !isDirectory(req.sourceDir)) {
    throw new KilnError(`${where(req)}: source directory ${req.sourceDir} does not exist`);
  }
  ctx.log.info(
    `mkfs ${req.type}${req.label ? ` '${req.label}'` : ''}: ${req.sizeBytes} bytes at offset ${req.offsetBytes}${req.sourceDir ? ` from ${req.sourceDir}` : ''}`,
  );
  switch (req.type) {
    case 'ext2':
    case 'ext3':
    case 'ext4':
      return makeExt(ctx, req);
    case 'vfat':
    case 'fat':
      return makeFat(ctx, req);
    case 'xfs':
      return makeXfs(ctx, req);
    case 'btrfs':
      return makeBtrfs(ctx, req);
    case 'swap':
      return makeSwap(ctx, req);
    default:
      throw new KilnError(`unsupported filesystem type '${String((req as { type: unknown }).type)}'`, { hint: `use one of ${FS_TYPES.join(', ')}` });
  }
}

function isDirectory(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

const SCRATCH = { tool: 'fallocate', why: 'clear the region before copying a filesystem made in a scratch file' };

/** Host tools a filesystem type needs, for preflight. */
export function mkfsTools(type: FsType): { tool: string; why: string }[] {
  switch (type) {
    case 'ext2':
    case 'ext3':
    case 'ext4':
      return [{ tool: 'mke2fs', why: `create ${type} from the tree at a byte offset (-d, -E offset=)` }];
    case 'vfat':
    case 'fat':
      return [
        { tool: 'mkfs.fat', why: 'create the FAT filesystem (in a scratch file of the region size)' },
        { tool: 'mmd', why: 'create FAT directories in the image (mtools)' },
        { tool: 'mcopy', why: 'copy files into the FAT filesystem (mtools)' },
        { tool: 'find', why: 'list the source tree' },
        SCRATCH,
      ];
    case 'xfs':
      return [
        { tool: 'mkfs.xfs', why: 'create XFS from a protofile of the tree' },
        { tool: 'xfs_db', why: 'set sticky bits the XFS protofile cannot express' },
        { tool: 'find', why: 'list the source tree for the protofile' },
        { tool: 'stat', why: 'read device numbers for the protofile' },
        SCRATCH,
      ];
    case 'btrfs':
      return [
        { tool: 'mkfs.btrfs', why: 'create btrfs from the tree (--rootdir)' },
        { tool: 'tar', why: 'copies the tree in sorted order into a tmpfs first (fixed inode numbers)' },
        { tool: 'unshare', why: 'a private mount namespace for that tmpfs (util-linux)' },
        SCRATCH,
      ];
    case 'swap':
      return [{ tool: 'mkswap', why: 'create the swap area' }, SCRATCH];
  }
}
