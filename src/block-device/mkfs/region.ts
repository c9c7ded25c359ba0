/**
 * For mkfs tools that cannot write at an offset (mkfs.xfs, mkfs.btrfs, mkswap): make the filesystem in
 * a sparse scratch file of the region's size next to the image, then copy only its non-zero blocks
 * into the region. The region is first cleared (punched), so skipped zero blocks read back as zero.
 */
import { closeSync, openSync, readSync, rmSync, writeFileSync, truncateSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { MkfsContext } from './index.js';

const CHUNK = 1024 * 1024;
const BLOCK = 4096;

export async function withScratchFile<T>(image: string, sizeBytes: number, fn: (path: string) => Promise<T>): Promise<T> {
  const path = join(dirname(image), `.${basename(image)}.mkfs-${randomBytes(4).toString('hex')}`);
  writeFileSync(path, '');
  try {
    truncateSync(path, sizeBytes);
    return await fn(path);
  } finally {
    rmSync(path, { force: true });
  }
}

/** Zero [offset, offset+size) of the image: punch a hole if the host fs can, else write zeros. */
export async function clearRegion(ctx: MkfsContext, image: string, offset: number, size: number): Promise<void> {
  try {
    await ctx.runner.run('fallocate', ['--punch-hole', '--keep-size', '--offset', String(offset), '--length', String(size), image]);
    return;
  } catch (e) {
    ctx.log.debug(`fallocate --punch-hole failed (${(e as Error).message.split('\n')[0]}); writing zeros`);
  }
  const zero = Buffer.alloc(CHUNK);
  const fd = openSync(image, 'r+');
  try {
    for (let done = 0; done < size; done += CHUNK) writeSync(fd, zero, 0, Math.min(CHUNK, size - done), offset + done);
  } finally {
    closeSync(fd);
  }
}

function isZero(b: Buffer, from: number, to: number): boolean {
  for (let i = from; i < to; i += 8) if (b.readBigUInt64LE(i) !== 0n) return false;
  return true;
}

/** Copy the non-zero 4 KiB blocks of `src` (sizeBytes long) to `image` at `offset`. Returns bytes written. */
export function copyNonZero(src: string, image: string, offset: number, sizeBytes: number): number {
  const buf = Buffer.alloc(CHUNK);
  const inFd = openSync(src, 'r');
  const outFd = openSync(image, 'r+');
  let written = 0;
  try {
    for (let pos = 0; pos < sizeBytes; pos += CHUNK) {
      const n = readSync(inFd, buf, 0, Math.min(CHUNK, sizeBytes - pos), pos);
      let runStart = -1;
      for (let b = 0; b <= n; b += BLOCK) {
        const end = Math.min(b + BLOCK, n);
        const data = b < n && !isZero(buf, b, end - ((end - b) % 8));
        const tailData = b < n && (end - b) % 8 !== 0 && buf.subarray(end - ((end - b) % 8), end).some((x) => x !== 0);
        if ((data || tailData) && runStart < 0) runStart = b;
        if (!(data || tailData) && runStart >= 0) {
          written += writeSync(outFd, buf, runStart, b - runStart, offset + pos + runStart);
          runStart = -1;
        }
      }
      if (runStart >= 0) written += writeSync(outFd, buf, runStart, n - runStart, offset + pos + runStart);
    }
  } finally {
    closeSync(inFd);
    closeSync(outFd);
  }
  return written;
}
