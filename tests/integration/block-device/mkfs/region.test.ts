import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, openSync, truncateSync, writeFileSync, writeSync, statSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { copyNonZero, copyScratchIntoRegion, dataRanges } from '../../../../src/block-device/mkfs/region.js';
import { withTempDir } from '../tools.js';
import { context, makeImage, markersIntact, MiB, readRegion } from './fixture.js';

function sparseWithData(path: string, size: number, chunks: [number, Buffer][]): void {
  writeFileSync(path, '');
  truncateSync(path, size);
  const fd = openSync(path, 'r+');
  for (const [at, b] of chunks) writeSync(fd, b, 0, b.length, at);
  closeSync(fd);
}

test('copyScratchIntoRegion: region equals the scratch file, old bytes cleared, neighbours untouched, sparse', () =>
  withTempDir(async (dir) => {
    const size = 64 * MiB;
    const off = 5 * MiB;
    const scratch = join(dir, 'scratch');
    const data = [
      [0, randomBytes(4096)],
      [10 * MiB + 512, randomBytes(3000)],
      [size - 8192, randomBytes(8192)],
    ] as [number, Buffer][];
    sparseWithData(scratch, size, data);
    const img = join(dir, 'img');
    makeImage(img, size + 10 * MiB, off, size);
    const fd = openSync(img, 'r+');
    writeSync(fd, Buffer.alloc(MiB, 0x77), 0, MiB, off + 20 * MiB); // stale content inside the region
    closeSync(fd);
    const ctx = context();
    const ranges = await dataRanges(ctx, scratch, size);
    assert.ok(ranges.length >= 2 && ranges.length <= 3, JSON.stringify(ranges));
    await copyScratchIntoRegion(ctx, scratch, img, off, size);
    assert.ok(readRegion(img, off, size).equals(readRegion(scratch, 0, size)));
    assert.ok(markersIntact(img, off, size));
    assert.ok(statSync(img).blocks * 512 < 2 * MiB, 'image stayed sparse');
    // without ranges (no xfs_io) the result is the same
    const img2 = join(dir, 'img2');
    makeImage(img2, size + 10 * MiB, off, size);
    copyNonZero(scratch, img2, off, [[0, size]]);
    assert.ok(readRegion(img2, off, size).equals(readRegion(scratch, 0, size)));
  }));
