import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeFilesystem, type MkfsRequest } from '../../../../src/block-device/mkfs/index.js';
import { deriveGuid } from '../../../../src/block-device/common/guid.js';
import { KilnError } from '../../../../src/errors.js';
import { missingTools, sh, withTempDir } from '../tools.js';
import { context, EPOCH, isRoot, makeImage, makeTree, markersIntact, MiB, readRegion } from './fixture.js';
import { bytes } from '../../../../src/units.js';

const skip = missingTools('mke2fs', 'e2fsck', 'debugfs', 'dumpe2fs');
const OFFSET = 3 * MiB;
const SIZE = 64 * MiB;

function request(image: string, tree: string, extra: Partial<MkfsRequest> = {}): MkfsRequest {
  return {
    image,
    offsetBytes: bytes(OFFSET),
    sizeBytes: bytes(SIZE),
    sourceDir: tree,
    type: 'ext4',
    label: 'root',
    uuid: '5f3a1c2e-8d4b-4a6f-9c1e-2b7d0e4f6a10',
    opts: [],
    epoch: EPOCH,
    seed: 'test-seed',
    ...extra,
  };
}

test('ext4 from a tree at an offset: e2fsck clean, owners/modes/symlink/content right, markers intact', { skip }, () =>
  withTempDir(async (dir) => {
    const tree = makeTree(join(dir, 'tree'));
    const img = join(dir, 'disk.raw');
    makeImage(img, 80 * MiB, OFFSET, SIZE);
    await makeFilesystem(context(), request(img, tree, { opts: ['-E', 'stride=4', '-i', '8192'] }));
    assert.ok(markersIntact(img, OFFSET, SIZE), 'bytes around the region changed');
    const dev = `${img}?offset=${OFFSET}`;
    sh('e2fsck', ['-fn', dev]);
    const dump = sh('dumpe2fs', ['-h', dev]);
    assert.match(dump, /Filesystem volume name:\s+root\n/);
    assert.match(dump, /Filesystem UUID:\s+5f3a1c2e-8d4b-4a6f-9c1e-2b7d0e4f6a10\n/);
    assert.match(dump, new RegExp(`Directory Hash Seed:\\s+${deriveGuid('test-seed', 'ext-hash-seed')}\\n`));
    assert.match(dump, /RAID stride:\s+4\n/); // the DIB -E merged into the single -E
    assert.match(dump, /Inode count:\s+8192\n/); // -i 8192 on 64 MiB
    assert.doesNotMatch(dump, /orphan_file|metadata_csum_seed/);
    assert.match(dump, /Lifetime writes:\s+0 kB|^(?![\s\S]*Lifetime writes)/m);
    const stat = (p: string): string => sh('debugfs', ['-R', `stat ${p}`, dev]);
    const secret = stat('/etc/secret');
    assert.match(secret, /Mode:\s+0600/);
    if (isRoot) assert.match(secret, /User:\s+1000\s+Group:\s+1000/);
    assert.match(stat('/usr/bin/tool'), /Mode:\s+0755/);
    assert.match(stat('/tmp'), /Mode:\s+01777/);
    assert.match(stat('/'), /User:\s+0\s+Group:\s+0/);
    assert.match(stat('/link'), /Fast link dest: "usr\/bin\/tool"/);
    assert.equal(sh('debugfs', ['-R', 'cat /usr/lib/deep/a/b/c.txt', dev]), 'deep\n');
    const out = join(dir, 'out');
    sh('mkdir', [out]);
    sh('debugfs', ['-R', `rdump /usr ${out}`, dev]);
    assert.equal(readFileSync(join(out, 'usr/bin/tool'), 'utf8'), '#!/bin/sh\necho tool\n');
  }),
);

// Each build makes its tree afresh, so the two trees differ in every atime and ctime (and in the
// mtimes of what the build wrote); only what the inputs fix (content, modes, a packaged mtime) is
// the same. The filesystems must still be the same bytes.
for (const [type, opts] of [
  ['ext4', []],
  ['ext4', ['-I', '256']], // large inodes: nanoseconds, crtime and the high checksum half
  ['ext2', []],
  ['ext3', ['-I', '128']],
  ['ext4', ['-b', '1024', '-N', '512']], // 8 groups of 64 inodes: the 300 files fill several
  ['ext4', ['-b', '1024', '-O', 'meta_bg,^resize_inode']], // group descriptors spread over the groups
] as const) {
  test(`${[type, ...opts].join(' ')}: two trees made a second apart give the same bytes; times clamped, older mtimes kept`, { skip }, () =>
    withTempDir(async (dir) => {
      const sums: string[] = [];
      let dev = '';
      for (const n of [1, 2]) {
        const tree = makeTree(join(dir, `tree-${n}`));
        utimesSync(join(tree, 'usr/bin/tool'), EPOCH - 86400, EPOCH - 86400); // as a package's file: older than the epoch
        mkdirSync(join(tree, 'many'));
        for (let i = 0; i < 300; i++) writeFileSync(join(tree, 'many', `f${i}`), `${i}\n`);
        const img = join(dir, `${n}.raw`);
        makeImage(img, 80 * MiB, OFFSET, SIZE);
        await makeFilesystem(context(), request(img, tree, { type, opts: [...opts] }));
        dev = `${img}?offset=${OFFSET}`;
        sh('e2fsck', ['-fn', dev]); // inode checksums still right
        sums.push(
          createHash('sha256')
            .update(readRegion(img, OFFSET, SIZE))
            .digest('hex'),
        );
        if (n === 1) await new Promise((r) => setTimeout(r, 1100)); // ext times have 1 s resolution (or finer)
      }
      assert.equal(sums[0], sums[1], `${type} differs between builds`);
      const stat = (p: string): string => sh('debugfs', ['-R', `stat ${p}`, dev]);
      const at = (field: string, text: string): number => {
        const m = new RegExp(`${field}: 0x([0-9a-f]+)(?::([0-9a-f]+))?`).exec(text);
        assert.ok(m, `${field} in ${text}`);
        return Number.parseInt(m[1]!, 16);
      };
      for (const p of ['/etc/hostname', '/etc', '/link', '/', '/many/f299']) {
        const s = stat(p);
        for (const f of ['ctime', 'atime', 'mtime']) assert.equal(at(f, s), EPOCH, `${p} ${f}`);
        if (/crtime/.test(s)) assert.equal(at('crtime', s), EPOCH, `${p} crtime`);
      }
      const tool = stat('/usr/bin/tool');
      assert.equal(at('mtime', tool), EPOCH - 86400, 'an mtime older than the epoch is kept');
      assert.equal(at('ctime', tool), EPOCH);
    }),
  );
}

test('ext4 without a source directory is an empty, clean filesystem', { skip }, () =>
  withTempDir(async (dir) => {
    const img = join(dir, 'disk.raw');
    makeImage(img, 80 * MiB, OFFSET, SIZE);
    const { sourceDir: _unused, ...req } = request(img, '');
    await makeFilesystem(context(), req);
    sh('e2fsck', ['-fn', `${img}?offset=${OFFSET}`]);
    assert.match(sh('debugfs', ['-R', 'ls -l /', `${img}?offset=${OFFSET}`]), /lost\+found/);
  }),
);

// (e2fsck -b on a fresh flex_bg fs reports bitmap differences even for plain mke2fs output, so dumpe2fs is the check)
test('backup superblocks are normalised too (s_kbytes_written zero, checksums valid)', { skip }, () =>
  withTempDir(async (dir) => {
    const tree = makeTree(join(dir, 'tree'));
    const img = join(dir, 'disk.raw');
    makeImage(img, 80 * MiB, OFFSET, SIZE);
    await makeFilesystem(context(), request(img, tree, { opts: ['-b', '1024'] })); // 8 groups: backups in 1, 3, 5, 7
    const dev = `${img}?offset=${OFFSET}`;
    for (const sb of [8193, 24577, 40961, 57345]) {
      // 2>&1: dumpe2fs reports a bad superblock checksum on stderr and carries on
      const h = sh('sh', ['-c', 'dumpe2fs -h -o superblock="$1" -o blocksize=1024 "$2" 2>&1', 'sh', String(sb), dev]);
      assert.doesNotMatch(h, /checksum does not match/i);
      assert.match(h, /Filesystem volume name:\s+root\n/);
      assert.doesNotMatch(h, /Lifetime writes/, `backup superblock at ${sb}`);
      assert.match(h, /Checksum type:\s+crc32c/);
    }
  }),
);

test('a missing source directory is a KilnError naming the filesystem', { skip }, () =>
  withTempDir(async (dir) => {
    const img = join(dir, 'disk.raw');
    makeImage(img, 80 * MiB, OFFSET, SIZE);
    await assert.rejects(
      makeFilesystem(context(), request(img, join(dir, 'nope'))),
      (e: unknown) => e instanceof KilnError && /ext4 filesystem at byte 3145728.*does not exist/.test(e.message),
    );
    assert.ok(markersIntact(img, OFFSET, SIZE));
  }),
);
