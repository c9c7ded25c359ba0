/**
 * raw: the assembled image itself. A sparse copy by default (cp --sparse=always re-detects zero
 * blocks, so holes stay holes; never a plain read/write that fills them). With `moveRaw` it is
 * renamed into place when on the same filesystem: that is why planOutputs puts raw last.
 */
import { renameSync, rmSync } from 'node:fs';
import { outputPath, tempSibling } from './paths.js';
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
  tools: () => [{ tool: 'cp', why: 'sparse copy of the raw image' }, { tool: 'qemu-img', why: 'verify the raw image' }],
  async write(req) {
    const src = requireRawImage(req, 'raw');
    const out = outputPath(req, 'raw');
    if (req.moveRaw && tryRename(src, out)) {
      await verifyDiskImage(req.runner, out, 'raw', out);
      return [out];
    }
    const tmp = tempSibling(out, 'new');
    try {
      await req.runner.run('cp', ['--sparse=always', src, tmp], { context: 'output raw' });
      await verifyDiskImage(req.runner, tmp, 'raw', src);
      renameSync(tmp, out);
    } finally {
      rmSync(tmp, { force: true });
    }
    return [out];
  },
};
