import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { makeFilesystem, type MkfsRequest } from '../../../../src/block-device/mkfs/index.js';
import { deriveU32 } from '../../../../src/block-device/common/guid.js';
import { missingTools, sh, withTempDir } from '../tools.js';
import { context, EPOCH, extractRegion, makeImage, makeTree, markersIntact, MiB, readRegion } from './fixture.js';
import { bytes } from '../../../../src/units.js';

const skip = missingTools('mkfs.fat', 'fsck.fat', 'mdir', 'mtype', 'mcopy', 'mmd', 'minfo');
const OFFSET = 2 * MiB;
const ENV = { MTOOLS_SKIP_CHECK: '1', MTOOLSRC: '/dev/null' };

function request(image: string, tree: string, size: number): MkfsRequest {
  return { image, offsetBytes: bytes(OFFSET), sizeBytes: bytes(size), sourceDir: tree, type: 'vfat', label: 'esp', opts: [], epoch: EPOCH, seed: 'fat-seed' };
}

for (const [size, fat] of [
  [32 * MiB, 16],
  [96 * MiB, 32],
] as const) {
  test(`vfat ${size / MiB} MiB (FAT${fat}) from a tree at an offset: fsck.fat clean, mtools read it back`, { skip }, () =>
    withTempDir(async (dir) => {
      const tree = makeTree(join(dir, 'tree'));
      const img = join(dir, 'disk.raw');
      makeImage(img, size + 4 * MiB, OFFSET, size);
      await makeFilesystem(context(), request(img, tree, size));
      assert.ok(markersIntact(img, OFFSET, size));
      const region = extractRegion(img, OFFSET, size, join(dir, 'region.raw'));
      assert.match(sh('fsck.fat', ['-n', region]), /files?, \d+\/\d+ clusters/);
      const at = `${img}@@${OFFSET}`;
      const info = sh('minfo', ['-i', at, '::'], { env: ENV });
      assert.match(info, new RegExp(`serial number: ${deriveU32('fat-seed', 'fat-serial').toString(16).padStart(8, '0').toUpperCase()}`, 'i'));
      assert.match(sh('mdir', ['-i', at, '::'], { env: ENV }), /Volume in drive : is ESP/);
      assert.match(info, new RegExp(`disk type="FAT${fat} `));
      assert.equal(sh('mtype', ['-i', at, '::/usr/lib/deep/a/b/c.txt'], { env: ENV }), 'deep\n');
      assert.equal(sh('mtype', ['-i', at, '::/etc/secret'], { env: ENV }), 'top secret\n');
      const listing = sh('mdir', ['-i', at, '-/', '-b', '::'], { env: ENV });
      assert.match(listing, /::\/usr\/bin\/tool/);
      assert.doesNotMatch(listing, /link/); // FAT has no symlinks: skipped with a warning
      const big = sh('mdir', ['-i', at, '::/big.bin'], { env: ENV });
      assert.match(big, /307 200/);
      assert.match(big, /2023-11-14/); // SOURCE_DATE_EPOCH 1700000000, not the host clock
    }),
  );
}

// dosfstools 4.2 with --offset sizes the FAT from the whole FILE: a small region in a big image must
// still get the FAT type and cluster size of its own size (the planner's small-ESP case)
for (const [size, fat] of [
  [8 * MiB, 12],
  [40 * MiB, 16],
  [64 * MiB, 32],
  [300 * MiB, 32],
] as const) {
  test(`vfat ${size / MiB} MiB region in a 1 GiB image is FAT${fat} sized for the region`, { skip }, () =>
    withTempDir(async (dir) => {
      const img = join(dir, 'disk.raw');
      makeImage(img, 1024 * MiB, OFFSET, size);
      await makeFilesystem(context(), { ...request(img, makeTree(join(dir, 'tree')), size) });
      assert.ok(markersIntact(img, OFFSET, size));
      const region = extractRegion(img, OFFSET, size, join(dir, 'region.raw'));
      assert.match(sh('fsck.fat', ['-n', region]), /files?, \d+\/\d+ clusters/);
      const info = sh('minfo', ['-i', `${img}@@${OFFSET}`, '::'], { env: ENV });
      assert.match(info, new RegExp(`disk type="FAT${fat} `));
      // the fs spans the region (mkfs.fat rounds down to its track size), not the whole file
      const sectors = Math.max(...[...info.matchAll(/(?:small|big) size: (\d+) sectors/g)].map((m) => Number(m[1])));
      assert.ok(sectors <= size / 512 && sectors > size / 512 - 64, `fs has ${sectors} sectors for a ${size / 512}-sector region`);
      assert.equal(sh('mtype', ['-i', `${img}@@${OFFSET}`, '::/etc/hostname'], { env: ENV }), 'kiln\n');
    }),
  );
}

test('vfat from the same tree twice is byte-identical', { skip }, () =>
  withTempDir(async (dir) => {
    const tree = makeTree(join(dir, 'tree'));
    const sums: string[] = [];
    for (const n of [1, 2]) {
      const img = join(dir, `d${n}.raw`);
      makeImage(img, 40 * MiB, OFFSET, 32 * MiB);
      await makeFilesystem(context(), request(img, tree, 32 * MiB));
      sums.push(
        createHash('sha256')
          .update(readRegion(img, OFFSET, 32 * MiB))
          .digest('hex'),
      );
      await new Promise((r) => setTimeout(r, 2100)); // FAT times have 2 s resolution: a host-clock leak shows up
    }
    assert.equal(sums[0], sums[1]);
  }),
);

test('vfat label longer than 11 characters is a KilnError', { skip }, () =>
  withTempDir(async (dir) => {
    const img = join(dir, 'd.raw');
    makeImage(img, 40 * MiB, OFFSET, 32 * MiB);
    await assert.rejects(makeFilesystem(context(), { ...request(img, '', 32 * MiB), sourceDir: undefined, label: 'much-too-long' }), /longer than 11/);
  }),
);
