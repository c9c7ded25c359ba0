// The loopless ext reader against e2fsprogs: the same files, owners, modes, times and content as
// debugfs reports, for ext2 (block maps with indirect blocks) and ext4 (extents).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { makeFilesystem } from '../../../src/block-device/mkfs/index.js';
import { bytes } from '../../../src/units.js';
import { ExtReader } from '../../../src/inspect/ext.js';
import { context, EPOCH, isRoot, makeImage, makeTree, MiB } from '../block-device/mkfs/fixture.js';
import { missingTools, sh, withTempDir } from '../block-device/tools.js';

const skip = missingTools('mke2fs', 'debugfs');
const OFFSET = 1 * MiB;
const SIZE = 64 * MiB;

for (const [type, opts] of [
  ['ext2', ['-b', '1024']], // 300 KiB file: direct, single and double indirect blocks
  ['ext4', []],
  ['ext4', ['-b', '1024', '-I', '128']],
] as const) {
  test(`ExtReader on ${[type, ...opts].join(' ')}: entries match debugfs, content matches rdump`, { skip }, () =>
    withTempDir(async (dir) => {
      const tree = makeTree(join(dir, 'tree'));
      mkdirSync(join(tree, 'many'));
      for (let i = 0; i < 200; i++) writeFileSync(join(tree, 'many', `file-with-a-long-name-${i}`), `${i}\n`); // a directory of several blocks
      writeFileSync(join(tree, 'sparse'), Buffer.alloc(0));
      sh('truncate', ['-s', '5M', join(tree, 'sparse')]);
      const img = join(dir, 'disk.raw');
      makeImage(img, SIZE + 2 * MiB, OFFSET, SIZE);
      await makeFilesystem(context(), {
        image: img,
        offsetBytes: bytes(OFFSET),
        sizeBytes: bytes(SIZE),
        sourceDir: tree,
        type,
        label: 'r',
        opts: [...opts],
        epoch: EPOCH,
        seed: 's',
      });
      const dev = `${img}?offset=${OFFSET}`;
      const r = new ExtReader(img, OFFSET);
      const entries = r.walk();
      r.close();
      const byPath = new Map(entries.map((e) => [e.path, e]));
      for (const p of ['/etc/hostname', '/etc/secret', '/usr/bin/tool', '/big.bin', '/link', '/tmp', '/many/file-with-a-long-name-199', '/sparse']) {
        assert.ok(byPath.has(p), `${p} found`);
      }
      assert.equal(entries.filter((e) => e.path.startsWith('/many/')).length, 200);
      assert.equal(byPath.get('/link')?.target, 'usr/bin/tool');
      assert.equal(byPath.get('/tmp')?.mode, 0o1777);
      assert.equal(byPath.get('/etc/secret')?.mode, 0o600);
      if (isRoot) assert.deepEqual([byPath.get('/etc/secret')?.uid, byPath.get('/etc/secret')?.gid], [1000, 1000]);
      const out = join(dir, 'out');
      mkdirSync(out);
      sh('debugfs', ['-R', `rdump / ${out}`, dev]);
      for (const p of ['/etc/hostname', '/usr/bin/tool', '/big.bin', '/sparse', '/many/file-with-a-long-name-7']) {
        const want = createHash('sha256')
          .update(readFileSync(join(out, p)))
          .digest('hex');
        assert.equal(byPath.get(p)?.sha256, want, `${p} content`);
      }
      // inode numbers and times as debugfs prints them
      const stat = sh('debugfs', ['-R', 'stat /big.bin', dev]);
      assert.equal(byPath.get('/big.bin')?.ino, Number(/Inode: (\d+)/.exec(stat)?.[1]));
      assert.equal(byPath.get('/big.bin')?.size, 300 * 1024);
      assert.equal(byPath.get('/big.bin')?.mtime, new Date(EPOCH * 1000).toISOString().replace('.000Z', 'Z'));
      assert.equal(byPath.get('/big.bin')?.links, 1);
    }),
  );
}
