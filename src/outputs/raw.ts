/**
 * raw: the assembled image itself. A sparse copy by default (cp --sparse=always re-detects zero
 * blocks, so holes stay holes; never a plain read/write that fills them). With `moveRaw` it is
 * renamed onto the target file when on the same filesystem: that is why planOutputs puts raw last.
 */
import { renameSync } from 'node:fs';
import { requireRawImage } from './disk-formats.js';
import { verifyDiskImage } from './qemu-img.js';
import type { OutputFormat } from './types.js';

function tryRename(from: string, to: string): boolean {
  try {
    renameSync(from, to);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EXDEV') return false;
    throw e;
  }
}

export const raw: OutputFormat = {
  name: 'raw',
  needs: 'disk',
  extension: 'raw',
  tools: () => [
    { tool: 'cp', why: 'sparse copy of the raw image' },
    { tool: 'qemu-img', why: 'verify the raw image' },
  ],
  async write(req, { file }) {
    const src = requireRawImage(req, 'raw');
    if (req.moveRaw && tryRename(src, file)) {
      await verifyDiskImage(req.runner, file, 'raw', file);
      return;
    }
    // cp writes into the existing (empty) target file
    await req.runner.run('cp', ['--sparse=always', src, file], { context: 'output raw' });
    await verifyDiskImage(req.runner, file, 'raw', src);
  },
};
