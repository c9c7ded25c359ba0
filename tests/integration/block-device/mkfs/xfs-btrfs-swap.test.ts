import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeFilesystem, type MkfsRequest } from '../../../../src/block-device/mkfs/index.js';
import { missingTools, sh, withTempDir } from '../tools.js';
import { context, EPOCH, extractRegion, isRoot, makeImage, makeTree, markersIntact, MiB, readRegion } from './fixture.js';
import { bytes } from '../../../../src/units.js';
import { createHash } from 'node:crypto';

const OFFSET = 1 * MiB;
const UUID = '0b5e7a63-2c41-4f0e-8d7a-91c3e5f2a4b6';

function request(image: string, tree: string | undefined, type: MkfsRequest['type'], size: number, label: string): MkfsRequest {
  return { image, offsetBytes: bytes(OFFSET), sizeBytes: bytes(size), sourceDir: tree, type, label, uuid: UUID, opts: [], epoch: EPOCH, seed: 's' };
}

test(
  'xfs from a tree: xfs_repair -n clean, xfs_db shows owners, modes, sticky bit, symlink',
  { skip: missingTools('mkfs.xfs', 'xfs_repair', 'xfs_db', 'fallocate') },
  () =>
    withTempDir(async (dir) => {
      const size = 320 * MiB;
      const tree = makeTree(join(dir, 'tree'));
      const img = join(dir, 'disk.raw');
      makeImage(img, size + 3 * MiB, OFFSET, size);
      await makeFilesystem(context(), request(img, tree, 'xfs', size, 'xroot'));
      assert.ok(markersIntact(img, OFFSET, size));
      const region = extractRegion(img, OFFSET, size, join(dir, 'region.raw'));
      sh('xfs_repair', ['-n', region]);
      const db = (...cmds: string[]): string => sh('xfs_db', ['-r', ...cmds.flatMap((c) => ['-c', c]), region]);
      assert.match(db('label'), /label = "xroot"/);
      assert.match(db('uuid'), new RegExp(`UUID = ${UUID}`));
      assert.match(db('ls /'), /etc[\s\S]*usr/);
      assert.match(db('ls /usr/lib/deep/a/b'), /c\.txt/);
      const secret = db('path /etc/secret', 'print core.mode core.uid core.gid core.size');
      assert.match(secret, /core\.mode = 0100600/);
      if (isRoot) assert.match(secret, /core\.uid = 1000\ncore\.gid = 1000/);
      assert.match(db('path /usr/bin/tool', 'print core.mode'), /core\.mode = 0100755/);
      assert.match(db('path /tmp', 'print core.mode'), /core\.mode = 041777/);
      assert.match(db('path /big.bin', 'print core.size'), /core\.size = 307200/);
      assert.match(db('path /link', 'print core.mode core.size'), /core\.mode = 0120777\ncore\.size = 12/);
      // times come from the tree (mke2fs -d semantics), not from the moment mkfs ran
      assert.match(db('path /etc/hostname', 'print core.mtime.sec'), /core\.mtime\.sec = Tue Nov 14 22:13:20 2023/);
      assert.match(db('path /etc/hostname', 'print v3.crtime.sec'), /v3\.crtime\.sec = Tue Nov 14 22:13:20 2023/);
    }),
);

test('xfs from two trees made a second apart is byte-identical (times clamped to the epoch)', { skip: missingTools('mkfs.xfs', 'xfs_db', 'fallocate') }, () =>
  withTempDir(async (dir) => {
    const size = 300 * MiB;
    const sums: string[] = [];
    for (const n of [1, 2]) {
      const tree = makeTree(join(dir, `tree-${n}`));
      const img = join(dir, `d${n}.raw`);
      makeImage(img, size + 3 * MiB, OFFSET, size);
      await makeFilesystem(context(), request(img, tree, 'xfs', size, 'xroot'));
      sums.push(
        createHash('sha256')
          .update(readRegion(img, OFFSET, size))
          .digest('hex'),
      );
      await new Promise((r) => setTimeout(r, 1100)); // xfs times have 1 s (or finer) resolution
    }
    assert.equal(sums[0], sums[1]);
  }),
);

test('xfs region under 300 MiB is a KilnError before anything is written', { skip: missingTools('mkfs.xfs') }, () =>
  withTempDir(async (dir) => {
    const img = join(dir, 'disk.raw');
    makeImage(img, 200 * MiB, OFFSET, 100 * MiB);
    await assert.rejects(makeFilesystem(context(), request(img, undefined, 'xfs', 100 * MiB, 'x')), /below the XFS minimum of 300 MiB/);
    assert.ok(markersIntact(img, OFFSET, 100 * MiB));
  }),
);

test('btrfs from a tree: btrfs check clean, restore lists the files', { skip: missingTools('mkfs.btrfs', 'btrfs', 'fallocate') }, () =>
  withTempDir(async (dir) => {
    const size = 256 * MiB;
    const tree = makeTree(join(dir, 'tree'));
    const img = join(dir, 'disk.raw');
    makeImage(img, size + 3 * MiB, OFFSET, size);
    await makeFilesystem(context(), request(img, tree, 'btrfs', size, 'broot'));
    assert.ok(markersIntact(img, OFFSET, size));
    const region = extractRegion(img, OFFSET, size, join(dir, 'region.raw'));
    sh('btrfs', ['check', region]);
    const show = sh('btrfs', ['inspect-internal', 'dump-super', region]);
    assert.match(show, new RegExp(`fsid\\s+${UUID}`));
    assert.match(show, /label\s+broot/);
    const out = join(dir, 'out');
    mkdirSync(out);
    sh('btrfs', ['restore', '-S', region, out]);
    assert.equal(readFileSync(join(out, 'usr/lib/deep/a/b/c.txt'), 'utf8'), 'deep\n');
    assert.equal(readFileSync(join(out, 'etc/secret'), 'utf8'), 'top secret\n');
    assert.equal(readFileSync(join(out, 'big.bin')).length, 300 * 1024);
    assert.equal(readlinkSync(join(out, 'link')), 'usr/bin/tool');
    if (isRoot) {
      // inode items carry uid/gid: find the one of etc/secret (mode 100600)
      const tree5 = sh('btrfs', ['inspect-internal', 'dump-tree', '-t', '5', region]);
      assert.match(tree5, /mode 100600 links 1 uid 1000 gid 1000/);
    }
  }),
);

// with 12 MiB of data, mkfs puts a data chunk over the space of its early, dropped chunks
for (const extra of [0, 12 * MiB]) {
  const size = 256 * MiB;
  test(
    `btrfs (${extra / MiB} MiB more data) from two trees with the same content, a second apart, is byte-identical, check-clean, times clamped`,
    { skip: missingTools('mkfs.btrfs', 'btrfs', 'fallocate', 'tar', 'unshare') },
    () =>
      withTempDir(async (dir) => {
        // two trees made afresh, as two builds make them: their files have other inode numbers on
        // the host (the filler files shift them), which mkfs.btrfs would copy without Kiln's sorted copy
        const data = Buffer.alloc(extra, 'kiln data ');
        const sums: string[] = [];
        const inodes: number[] = [];
        let region = '';
        for (const n of [1, 2]) {
          const filler = join(dir, `filler-${n}`);
          mkdirSync(filler);
          for (let i = 0; i < 7 * n; i++) writeFileSync(join(filler, String(i)), '');
          const tree = makeTree(join(dir, `tree-${n}`));
          if (extra) writeFileSync(join(tree, 'data.bin'), data);
          inodes.push(statSync(join(tree, 'etc/hostname')).ino);
          const img = join(dir, `d${n}.raw`);
          makeImage(img, size + 3 * MiB, OFFSET, size);
          await makeFilesystem(context(), request(img, tree, 'btrfs', size, 'broot'));
          assert.ok(markersIntact(img, OFFSET, size));
          region = extractRegion(img, OFFSET, size, join(dir, `region-${n}.raw`));
          sums.push(sh('sha256sum', [region]).split(' ')[0]!);
          rmSync(img);
          await new Promise((r) => setTimeout(r, 1100)); // mkfs stamps the root items with "now", in seconds
        }
        assert.notEqual(inodes[0], inodes[1], 'the two trees have other inode numbers');
        assert.equal(sums[0], sums[1]);
        sh('btrfs', ['check', region]);
        const all = sh('btrfs', ['inspect-internal', 'dump-tree', region]);
        const times = [...all.matchAll(/^\s+[acmo]time (\d+)\./gm)].map((m) => Number(m[1]));
        assert.ok(times.length > 20, 'dump-tree lists inode and root item times');
        assert.ok(
          times.every((t) => t <= EPOCH),
          `every time is at most the epoch: ${times.filter((t) => t > EPOCH).slice(0, 3)}`,
        );
        // ids come from the seed: the same for both, and not the all-zero uuid
        assert.match(all, /chunk uuid (?!00000000-)[0-9a-f-]{36}/);
        const out = join(dir, 'out');
        mkdirSync(out);
        sh('btrfs', ['restore', '-S', region, out]);
        assert.equal(readFileSync(join(out, 'usr/lib/deep/a/b/c.txt'), 'utf8'), 'deep\n');
        assert.equal(readFileSync(join(out, 'big.bin')).length, 300 * 1024);
        assert.equal(readlinkSync(join(out, 'link')), 'usr/bin/tool');
        if (extra) assert.ok(readFileSync(join(out, 'data.bin')).equals(data), 'file data is intact');
      }),
  );
}

test('swap at an offset: blkid sees label and UUID, swaplabel reads it', { skip: missingTools('mkswap', 'blkid', 'swaplabel', 'fallocate') }, () =>
  withTempDir(async (dir) => {
    const size = 64 * MiB;
    const img = join(dir, 'disk.raw');
    makeImage(img, size + 3 * MiB, OFFSET, size);
    await makeFilesystem(context(), request(img, undefined, 'swap', size, 'myswap'));
    assert.ok(markersIntact(img, OFFSET, size));
    const probe = sh('blkid', ['-p', '-O', String(OFFSET), '-o', 'export', img]);
    assert.match(probe, /TYPE=swap/);
    assert.match(probe, /LABEL=myswap/);
    assert.match(probe, new RegExp(`UUID=${UUID}`));
    const region = extractRegion(img, OFFSET, size, join(dir, 'region.raw'));
    assert.match(sh('swaplabel', [region]), new RegExp(`LABEL: myswap\\nUUID:\\s+${UUID}`));
  }),
);
