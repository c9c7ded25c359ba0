/** Copy a scratch filesystem image into scattered byte ranges of the disk, skipping zero blocks. */
import { closeSync, openSync, readSync, writeSync } from 'node:fs';
import type { ByteRange } from '../common/plan-types.js';

const CHUNK = 1024 * 1024;

export function copyRanges(from: string, to: string, ranges: ByteRange[]): void {
  const src = openSync(from, 'r');
  const dst = openSync(to, 'r+');
  const buf = Buffer.alloc(CHUNK);
  try {
    let srcPos = 0;
    for (const r of ranges) {
      for (let done = 0; done < r.sizeBytes; ) {
        const n = readSync(src, buf, 0, Math.min(CHUNK, r.sizeBytes - done), srcPos + done);
        if (n <= 0) break;
        const chunk = buf.subarray(0, n);
        // the disk is a fresh sparse file: zeros are already there
        if (chunk.some((b) => b !== 0)) writeSync(dst, chunk, 0, n, r.offsetBytes + done);
        done += n;
      }
      srcPos += r.sizeBytes;
    }
  } finally {
    closeSync(src);
    closeSync(dst);
  }
}
