import { test } from 'node:test';
import assert from 'node:assert/strict';
import { comparePaths, parseFindOutput } from '../../../../src/block-device/mkfs/tree.js';
import { encodeXfsProto } from '../../../../src/block-device/mkfs/xfs-proto.js';
import { superblockGroups } from '../../../../src/block-device/mkfs/ext-normalize.js';
import { KilnError } from '../../../../src/errors.js';

const find = (rows: string[][]): string => rows.map((r) => r.join('\0')).join('\0') + '\0';

test('parseFindOutput sorts parents before children, bytewise per component', () => {
  const out = find([
    ['f', '644', '0', '0', 'b.txt', ''], ['d', '755', '0', '0', 'a', ''], ['f', '600', '1000', '1000', 'a/z', ''],
    ['d', '755', '0', '0', '', ''], ['l', '777', '0', '0', 'a-link', 'a/z'], ['d', '1777', '0', '0', 'a/B', ''],
  ]);
  const e = parseFindOutput(out);
  assert.deepEqual(e.map((x) => x.path), ['', 'a', 'a/B', 'a/z', 'a-link', 'b.txt']);
  assert.equal(e.find((x) => x.path === 'a/B')?.mode, 0o1777);
  assert.equal(e.find((x) => x.path === 'a-link')?.target, 'a/z');
  assert.ok(comparePaths('a/z', 'a-link') < 0); // component order, not string order ('/' > '-')
});

test('encodeXfsProto: golden protofile, sticky bits returned, sockets skipped', () => {
  const e = parseFindOutput(find([
    ['d', '755', '0', '0', '', ''], ['d', '755', '0', '0', 'etc', ''], ['f', '4755', '0', '0', 'etc/su', ''],
    ['f', '600', '1000', '1000', 'etc/secret', ''], ['d', '1777', '0', '0', 'tmp', ''], ['s', '755', '0', '0', 'tmp/sock', ''],
    ['l', '777', '0', '0', 'link', 'etc/su'], ['c', '666', '0', '0', 'null', ''],
  ]));
  e.find((x) => x.path === 'null')!.major = 1;
  e.find((x) => x.path === 'null')!.minor = 3;
  const p = encodeXfsProto('/src', e);
  assert.equal(p.text, [
    '/dev/null', '0 0', 'd--755 0 0',
    'etc d--755 0 0', 'secret ---600 1000 1000 /src/etc/secret', 'su -u-755 0 0 /src/etc/su', '$',
    'link l--777 0 0 etc/su', 'null c--666 0 0 1 3',
    'tmp d--777 0 0', '$', '$', '',
  ].join('\n'));
  assert.deepEqual(p.sticky, ['tmp']);
  assert.deepEqual(p.skipped, ['tmp/sock']);
  assert.throws(() => encodeXfsProto('/src', parseFindOutput(find([['f', '644', '0', '0', 'a b', '']]))), KilnError);
});

test('superblockGroups: sparse_super keeps 0, 1 and powers of 3, 5, 7', () => {
  assert.deepEqual(superblockGroups(50, true), [0, 1, 3, 5, 7, 9, 25, 27, 49]);
  assert.deepEqual(superblockGroups(4, false), [0, 1, 2, 3]);
  assert.deepEqual(superblockGroups(100, true, [1, 99]), [0, 1, 99]);
});
