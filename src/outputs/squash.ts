/**
 * squash: the tree as a squashfs image, NAME.squash as DIB names it. mksquashfs runs as root of
 * the tree so the tree's owners are stored as they are (no -all-root). The contents of proc/ and
 * sys/ are excluded (the directories are kept). mksquashfs gets SOURCE_DATE_EPOCH (the build's epoch)
 * in its environment, which pins the superblock time and every inode's time to it (squashfs-tools
 * >= 4.5; it refuses -mkfs-time together with that variable, so the variable is the one way).
 * Unlike DIB (whose branch only fires when squashfs is the first -t type), any position works.
 * mksquashfs stores the tree's symlinks as symlinks: it never reads through one out of the tree.
 */
import { asTreeRoot } from '../sandbox/identity.js';
import type { OutputFormat, OutputRequest } from './types.js';
import { OutputVerificationError } from './verify/error.js';

function compressor(req: OutputRequest): 'xz' | 'zstd' {
  return req.squashCompression ?? 'xz';
}

export function squashArgs(req: OutputRequest, out: string): string[] {
  return [req.tree, out, '-comp', compressor(req), '-noappend', '-no-recovery', '-quiet', '-no-progress', '-wildcards', '-e', 'proc/*', 'sys/*'];
}

export async function verifySquash(req: OutputRequest, output: string, file: string): Promise<void> {
  let listing: string;
  try {
    listing = (await req.runner.run('unsquashfs', ['-l', '-no-progress', file])).stdout;
  } catch (e) {
    throw new OutputVerificationError(output, 'unsquashfs cannot list it', e);
  }
  if (listing.split('\n').filter((l) => l.startsWith('squashfs-root')).length < 2) {
    throw new OutputVerificationError(output, 'unsquashfs lists no files');
  }
}

export const squash: OutputFormat = {
  name: 'squash',
  needs: 'tree',
  extension: 'squash',
  tools: (req) => [
    { tool: 'mksquashfs', why: 'write the squash output' },
    { tool: 'unsquashfs', why: 'verify the squash output' },
    ...(req.identity.privileged ? [] : [{ tool: 'unshare', why: 'read the tree as its root in a user namespace' }]),
  ],
  async write(req, { file, final }) {
    // -noappend (squashArgs): the target file exists (empty); without it mksquashfs refuses to overwrite it
    const argv = [...asTreeRoot(req.identity), 'mksquashfs', ...squashArgs(req, file)];
    await req.runner.run(argv[0]!, argv.slice(1), { context: 'output squash', env: { SOURCE_DATE_EPOCH: String(req.epoch) } });
    await verifySquash(req, final, file);
  },
};
