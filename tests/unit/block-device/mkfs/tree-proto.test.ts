import { test } from 'node:test';
import assert from 'node:assert/strict';
import { comparePaths, parseFindOutput } from '../../../../src/block-device/mkfs/tree.js';
import { encodeXfsProto } from '../../../../src/block-device/mkfs/xfs-proto.js';
import { encodeXfsDbFixups, parseXfsDbInfo, xfsDbFailure, xfsTimestamp } from '../../../../src/block-device/mkfs/xfs-fixup.js';
import { superblockGroups } from '../../../../src/block-device/mkfs/ext-normalize.js';
import { KilnError } from '../../../../src/errors.js';

/** rows are [type, mode, uid, gid, path, target]; times are filled in (atime 1.5, mtime 2.9, ctime 3) */
const find = (rows: string[][]): string => `${rows.map(([y, m, u, g, p, l]) => [y, m, u, g, '1.5', '2.9', '3.0000000000', p, l].join('\0')).join('\0')}\0`;

test('parseFindOutput sorts parents before children, bytewise per component', () => {
  const out = find([
    ['f', '644', '0', '0', 'b.txt', ''],
    ['d', '755', '0', '0', 'a', ''],
    ['f', '600', '1000', '1000', 'a/z', ''],
    ['d', '755', '0', '0', '', ''],
    ['l', '777', '0', '0', 'a-link', 'a/z'],
    ['d', '1777', '0', '0', 'a/B', ''],
  ]);
  const e = parseFindOutput(out);
  assert.deepEqual(
    e.map((x) => x.path),
    ['', 'a', 'a/B', 'a/z', 'a-link', 'b.txt'],
  );
  assert.equal(e.find((x) => x.path === 'a/B')?.mode, 0o1777);
  assert.equal(e.find((x) => x.path === 'a-link')?.target, 'a/z');
  assert.ok(comparePaths('a/z', 'a-link') < 0); // component order, not string order ('/' > '-')
  assert.deepEqual([e[0]!.atime, e[0]!.mtime, e[0]!.ctime], [1, 2, 3]);
});

test('encodeXfsProto: golden protofile, sticky bits returned, sockets skipped', () => {
  const e = parseFindOutput(
    find([
      ['d', '755', '0', '0', '', ''],
      ['d', '755', '0', '0', 'etc', ''],
      ['f', '4755', '0', '0', 'etc/su', ''],
      ['f', '600', '1000', '1000', 'etc/secret', ''],
      ['d', '1777', '0', '0', 'tmp', ''],
      ['s', '755', '0', '0', 'tmp/sock', ''],
      ['l', '777', '0', '0', 'link', 'etc/su'],
      ['c', '666', '0', '0', 'null', ''],
    ]),
  );
  e.find((x) => x.path === 'null')!.major = 1;
  e.find((x) => x.path === 'null')!.minor = 3;
  const p = encodeXfsProto('/src', e);
  assert.equal(
    p.text,
    [
      '/dev/null',
      '0 0',
      'd--755 0 0',
      'etc d--755 0 0',
      'secret ---600 1000 1000 /src/etc/secret',
      'su -u-755 0 0 /src/etc/su',
      '$',
      'link l--777 0 0 etc/su',
      'null c--666 0 0 1 3',
      'tmp d--777 0 0',
      '$',
      '$',
      '',
    ].join('\n'),
  );
  assert.deepEqual(p.sticky, ['tmp']);
  assert.deepEqual(p.skipped, ['tmp/sock']);
  assert.throws(() => encodeXfsProto('/src', parseFindOutput(find([['f', '644', '0', '0', 'a b', '']]))), KilnError);
});

test('superblockGroups: sparse_super keeps 0, 1 and powers of 3, 5, 7', () => {
  assert.deepEqual(superblockGroups(50, true), [0, 1, 3, 5, 7, 9, 25, 27, 49]);
  assert.deepEqual(superblockGroups(4, false), [0, 1, 2, 3]);
  assert.deepEqual(superblockGroups(100, true, [1, 99]), [0, 1, 99]);
});

test('encodeXfsDbFixups: sticky mode, bigtime and classic timestamps, skipped entries left out', () => {
  const e = parseFindOutput(
    find([
      ['d', '755', '0', '0', '', ''],
      ['d', '1777', '0', '0', 'tmp', ''],
      ['s', '755', '0', '0', 'tmp/s', ''],
    ]),
  );
  const big = encodeXfsDbFixups(e, new Set(['tmp/s']), 1700000000, true).split('\n');
  assert.deepEqual(big.slice(0, 5), [
    'path /',
    'write core.atime.sec 2147483649000000000',
    'write core.mtime.sec 2147483650000000000',
    'write core.ctime.sec 2147483651000000000',
    'write v3.crtime.sec 3847483648000000000',
  ]);
  assert.deepEqual(big.slice(5, 7), ['path /tmp', 'write core.mode 041777']);
  assert.ok(!big.includes('path /tmp/s'));
  const classic = encodeXfsDbFixups(e.slice(0, 1), new Set(), 1700000000, false);
  assert.equal(
    classic,
    'path /\nwrite core.atime.sec 1\nwrite core.atime.nsec 0\nwrite core.mtime.sec 2\nwrite core.mtime.nsec 0\nwrite core.ctime.sec 3\nwrite core.ctime.nsec 0\nwrite v3.crtime.sec 1700000000\nwrite v3.crtime.nsec 0\n',
  );
  // times after the epoch are the epoch; earlier ones stay
  assert.equal(
    encodeXfsDbFixups(e.slice(0, 1), new Set(), 2, false),
    'path /\nwrite core.atime.sec 1\nwrite core.atime.nsec 0\nwrite core.mtime.sec 2\nwrite core.mtime.nsec 0\nwrite core.ctime.sec 2\nwrite core.ctime.nsec 0\nwrite v3.crtime.sec 2\nwrite v3.crtime.nsec 0\n',
  );
  assert.equal(xfsTimestamp(1600000000, true), '3747483648000000000'); // xfs_db prints Sun Sep 13 12:26:40 2020
  assert.equal(xfsDbFailure('core.mode = 041777\nfield crtime not found\n'), 'field crtime not found');
  assert.equal(xfsDbFailure('core.mode = 041777\ncore.mtime.sec = Sun Sep 13 12:26:40 2020\n'), undefined);
  assert.deepEqual(parseXfsDbInfo('versionnum [0xb4a5+0x18a] = V5,NLINK,CRC,BIGTIME\nrbmino = 129\nrsumino = 130\n'), {
    bigtime: true,
    metaInodes: [129, 130],
  });
  assert.deepEqual(encodeXfsDbFixups([], new Set(), 5, false, [129]).split('\n').slice(0, 3), [
    'inode 129',
    'write core.atime.sec 5',
    'write core.atime.nsec 0',
  ]);
});
