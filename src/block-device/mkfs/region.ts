/**
 * For mkfs tools that cannot write at an offset (mkfs.xfs, mkfs.btrfs, mkswap): make the filesystem in
 * a sparse scratch file of the region's size next to the image, then copy only its non-zero blocks
 * into the region. The region is first cleared (punched), so skipped zero blocks read back as zero.
 */
import { closeSync, openSync, readSync, rmSync, writeFileSync, truncateSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { MkfsContext } from './types.js';

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

const ZERO = Buffer.alloc(BLOCK);

export type ByteRange = [start: number, end: number];

/**
 * Data ranges of a sparse file. Node has no SEEK_DATA/SEEK_HOLE, so ask xfs_io (xfsprogs), which
 * prints lines "DATA <off>" / "HOLE <off>"; without it, the whole file is one range (still correct,
 * only slower: holes read as zeros and are skipped block by block).
 */
export async function dataRanges(ctx: MkfsContext, file: string, size: number): Promise<ByteRange[]> {
  let out: string;
  try {
    out = (await ctx.runner.run('xfs_io', ['-r', '-c', 'seek -a -r 0', file])).stdout;
  } catch {
    return [[0, size]];
  }
  return parseSeekOutput(out, size);
}

export function parseSeekOutput(out: string, size: number): ByteRange[] {
  const ranges: ByteRange[] = [];
  let dataAt: number | undefined;
  for (const line of out.split('\n')) {
    const m = /^(DATA|HOLE)\s+(\d+)/.exec(line.trim());
    if (!m) continue;
    const at = Number(m[2]);
    if (m[1] === 'DATA') dataAt ??= at;
    else if (dataAt !== undefined) {
      ranges.push([dataAt, Math.min(at, size)]);
      dataAt = undefined;
    }
  }
  if (dataAt !== undefined) ranges.push([dataAt, size]);
  return ranges;
}

/** Copy the non-zero 4 KiB blocks of `ranges` of `src` to `image` at `offset` + the same position. Returns bytes written. */
export function copyNonZero(src: string, image: string, offset: number, ranges: ByteRange[]): number {
  const buf = Buffer.alloc(CHUNK);
  const inFd = openSync(src, 'r');
  const outFd = openSync(image, 'r+');
  let written = 0;
  try {
    for (const [from, to] of ranges) {
      for (let pos = from; pos < to; pos += CHUNK) {
        const n = readSync(inFd, buf, 0, Math.min(CHUNK, to - pos), pos);
        if (n <= 0) break;
        let run = -1; // start of the current run of non-zero blocks
        for (let b = 0; b < n; b += BLOCK) {
          const end = Math.min(b + BLOCK, n);
          const zero = buf.subarray(b, end).equals(ZERO.subarray(0, end - b)); // native memcmp
          if (!zero && run < 0) run = b;
          if (zero && run >= 0) {
            written += writeSync(outFd, buf, run, b - run, offset + pos + run);
            run = -1;
          }
        }
        if (run >= 0) written += writeSync(outFd, buf, run, n - run, offset + pos + run);
      }
    }
  } finally {
    closeSync(inFd);
    closeSync(outFd);
  }
  return written;
}

/** Clear the region, then copy the scratch file's data into it. */
export async function copyScratchIntoRegion(ctx: MkfsContext, scratch: string, image: string, offset: number, size: number): Promise<void> {
  await clearRegion(ctx, image, offset, size);
  const ranges = await dataRanges(ctx, scratch, size);
  const n = copyNonZero(scratch, image, offset, ranges);
  ctx.log.debug(`copied ${n} bytes (${ranges.length} data range(s)) of ${scratch} to ${image} at ${offset}`);
}
