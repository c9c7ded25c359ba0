import { test } from 'node:test';
import assert from 'node:assert/strict';
import { disabledFeatures, mke2fsArgs, parseMke2fsVersion, splitExtendedOpts } from '../../../../src/block-device/mkfs/ext.js';
import { mkfsFatArgs } from '../../../../src/block-device/mkfs/fat.js';
import { mkfsXfsArgs } from '../../../../src/block-device/mkfs/xfs.js';
import { mkfsBtrfsArgs } from '../../../../src/block-device/mkfs/btrfs.js';
import { mkswapArgs } from '../../../../src/block-device/mkfs/swap.js';
import { mkfsTools, FS_TYPES, type MkfsRequest } from '../../../../src/block-device/mkfs/index.js';
import { deriveGuid, deriveU32 } from '../../../../src/block-device/common/guid.js';
import { KilnError } from '../../../../src/errors.js';
import { bytes } from '../../../../src/units.js';

const MiB = 1024 * 1024;
/** A request; sizes given as plain numbers here */
const req = ({
  offsetBytes = 69206016,
  sizeBytes = 2078257152,
  ...r
}: Omit<Partial<MkfsRequest>, 'offsetBytes' | 'sizeBytes'> & { offsetBytes?: number; sizeBytes?: number } = {}): MkfsRequest => ({
  image: '/i.raw',
  offsetBytes: bytes(offsetBytes),
  sizeBytes: bytes(sizeBytes),
  sourceDir: '/tree',
  type: 'ext4',
  label: 'root',
  uuid: '5f3a1c2e-8d4b-4a6f-9c1e-2b7d0e4f6a10',
  opts: [],
  epoch: 1700000000,
  seed: 'seed',
  ...r,
});

test('mke2fs argv: one merged -E (ours first, DIB opts win), features off, -d, size in KiB', () => {
  const hs = deriveGuid('seed', 'ext-hash-seed');
  assert.deepEqual(mke2fsArgs(req({ opts: ['-i', '4096', '-E', 'stride=4,nodiscard', '-Estripe_width=8'] }), [1, 47, 0]), [
    '-q',
    '-F',
    '-t',
    'ext4',
    '-L',
    'root',
    '-U',
    '5f3a1c2e-8d4b-4a6f-9c1e-2b7d0e4f6a10',
    '-O',
    '^metadata_csum_seed,^orphan_file',
    '-i',
    '4096',
    '-E',
    `offset=69206016,hash_seed=${hs},root_owner=0:0,stride=4,nodiscard,stripe_width=8`,
    '-d',
    '/tree',
    '/i.raw',
    '2029548k',
  ]);
  // a DIB root_owner overrides ours instead of appearing twice
  assert.match(mke2fsArgs(req({ opts: ['-E', 'root_owner=5:5'] }), [1, 47, 0]).join(' '), /-E offset=69206016,nodiscard,hash_seed=[^ ]+,root_owner=5:5 /);
  assert.equal(mke2fsArgs(req(), [1, 47, 0]).filter((a) => a === '-E').length, 1);
});

test('mke2fs features are only disabled when the host knows them', () => {
  assert.deepEqual(disabledFeatures([1, 46, 5]), ['^metadata_csum_seed']);
  assert.deepEqual(disabledFeatures([1, 42, 9]), []);
  assert.deepEqual(disabledFeatures(undefined), []);
  assert.deepEqual(parseMke2fsVersion('mke2fs 1.47.0 (5-Feb-2023)\n\tUsing EXT2FS Library version 1.47.0'), [1, 47, 0]);
  assert.ok(!mke2fsArgs(req(), [1, 42, 0]).includes('-O'));
});

test('splitExtendedOpts and bad input', () => {
  assert.deepEqual(splitExtendedOpts(['-m', '1', '-E', 'a=1,b', '-Ec']), { extended: ['a=1', 'b', 'c'], rest: ['-m', '1'] });
  assert.throws(() => splitExtendedOpts(['-E']), KilnError);
  assert.throws(() => mke2fsArgs(req({ label: 'x'.repeat(17) }), [1, 47, 0]), /longer than 16/);
  assert.throws(() => mke2fsArgs(req({ sizeBytes: 1000 }), [1, 47, 0]), /1 KiB/);
});

test('mkfs.fat argv: derived serial, upper-case label, FAT32 from 64 MiB unless -F given, scratch target', () => {
  const serial = deriveU32('seed', 'fat-serial').toString(16).padStart(8, '0');
  assert.deepEqual(mkfsFatArgs(req({ type: 'vfat', label: 'esp', offsetBytes: 2 * MiB, sizeBytes: 128 * MiB }), '/s'), [
    '--invariant',
    '-i',
    serial,
    '-n',
    'ESP',
    '-F',
    '32',
    '/s',
  ]);
  assert.deepEqual(mkfsFatArgs(req({ type: 'vfat', label: 'esp', offsetBytes: 2 * MiB, sizeBytes: 32 * MiB, opts: ['-s', '1'] }), '/s'), [
    '--invariant',
    '-i',
    serial,
    '-n',
    'ESP',
    '-s',
    '1',
    '/s',
  ]);
  assert.ok(!mkfsFatArgs(req({ type: 'vfat', sizeBytes: 128 * MiB, offsetBytes: 0, opts: ['-F', '16'] }), '/s').includes('32'));
  assert.throws(() => mkfsFatArgs(req({ type: 'vfat', label: 'twelve_chars' }), '/s'), /longer than 11/);
  assert.throws(() => mkfsFatArgs(req({ type: 'vfat', offsetBytes: 100 }), '/s'), /multiple of 512/);
});

test('xfs, btrfs, swap argv and limits', () => {
  assert.deepEqual(mkfsXfsArgs(req({ type: 'xfs', label: 'x', sizeBytes: 300 * MiB }), '/s', '/p'), [
    '-q',
    '-f',
    '-m',
    'uuid=5f3a1c2e-8d4b-4a6f-9c1e-2b7d0e4f6a10',
    '-L',
    'x',
    '-p',
    '/p',
    '/s',
  ]);
  assert.throws(() => mkfsXfsArgs(req({ type: 'xfs', sizeBytes: 300 * MiB - 4096 }), '/s'), /300 MiB/);
  assert.throws(() => mkfsXfsArgs(req({ type: 'xfs', label: 'thirteen_char', sizeBytes: 300 * MiB }), '/s'), /longer than 12/);
  assert.deepEqual(mkfsBtrfsArgs(req({ type: 'btrfs', uuid: undefined }), '/s'), [
    '-q',
    '-f',
    '-U',
    deriveGuid('seed', 'fs-uuid'),
    '-L',
    'root',
    '--rootdir',
    '/tree',
    '/s',
  ]);
  assert.deepEqual(mkswapArgs(req({ type: 'swap', label: 'sw' }), '/s'), ['-U', '5f3a1c2e-8d4b-4a6f-9c1e-2b7d0e4f6a10', '-L', 'sw', '/s']);
});

test('mkfsTools names a tool and a reason for every type', () => {
  for (const t of FS_TYPES) {
    const tools = mkfsTools(t);
    assert.ok(tools.length > 0, t);
    for (const x of tools) assert.ok(x.tool && x.why, t);
  }
  assert.equal(mkfsTools('ext4')[0]?.tool, 'mke2fs');
});
