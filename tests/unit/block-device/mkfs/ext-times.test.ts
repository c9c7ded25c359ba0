import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clampInodeTimes, decodeExtTime, encodeExtTime } from '../../../../src/block-device/mkfs/ext-normalize.js';

const EPOCH = 1700000000;

test('ext times: seconds with the epoch bits of *_extra, nanoseconds above them', () => {
  assert.deepEqual(decodeExtTime(EPOCH, undefined), { sec: EPOCH, nsec: 0 });
  assert.deepEqual(decodeExtTime(0xffffffff, undefined), { sec: -1, nsec: 0 }); // a 128-byte inode: signed 32 bits
  assert.deepEqual(decodeExtTime(EPOCH, (5 << 2) | 0), { sec: EPOCH, nsec: 5 });
  // 2040-01-01 does not fit in signed 32 bits: the low word wraps and the epoch bits carry it
  const y2040 = 2208988800;
  const e = encodeExtTime(y2040);
  assert.deepEqual(decodeExtTime(e.lo, e.extra), { sec: y2040, nsec: 0 });
  assert.deepEqual(encodeExtTime(EPOCH), { lo: EPOCH, extra: 0 });
});

function inode(size: number, extraIsize: number): Buffer {
  const b = Buffer.alloc(size);
  b.writeUInt16LE(0o100644, 0);
  if (size > 128) b.writeUInt16LE(extraIsize, 0x80);
  return b;
}

test('clampInodeTimes: later times become the epoch (nanoseconds dropped), earlier ones stay', () => {
  const b = inode(256, 32);
  b.writeUInt32LE(EPOCH + 50, 0x08); // atime
  b.writeUInt32LE(9 << 2, 0x8c);
  b.writeUInt32LE(EPOCH - 10, 0x10); // mtime: earlier, with nanoseconds: kept as is
  b.writeUInt32LE(7 << 2, 0x88);
  b.writeUInt32LE(EPOCH, 0x0c); // ctime: the epoch plus nanoseconds is later
  b.writeUInt32LE(3 << 2, 0x84);
  b.writeUInt32LE(EPOCH + 1, 0x90); // crtime
  assert.equal(clampInodeTimes(b, 256, EPOCH), true);
  assert.deepEqual([b.readUInt32LE(0x08), b.readUInt32LE(0x8c)], [EPOCH, 0]);
  assert.deepEqual([b.readUInt32LE(0x10), b.readUInt32LE(0x88)], [EPOCH - 10, 7 << 2]);
  assert.deepEqual([b.readUInt32LE(0x0c), b.readUInt32LE(0x84)], [EPOCH, 0]);
  assert.equal(b.readUInt32LE(0x90), EPOCH);
  assert.equal(clampInodeTimes(b, 256, EPOCH), false, 'a second pass changes nothing');
});

test('clampInodeTimes: only the fields i_extra_isize covers; a 128-byte inode has no extra words', () => {
  const small = inode(128, 0);
  small.writeUInt32LE(EPOCH + 5, 0x10);
  assert.equal(clampInodeTimes(small, 128, EPOCH), true);
  assert.equal(small.readUInt32LE(0x10), EPOCH);
  const partial = inode(256, 4); // only i_extra_isize and i_checksum_hi: no *_extra, no crtime
  partial.writeUInt32LE(EPOCH + 5, 0x90);
  partial.writeUInt32LE(0xabcd, 0x84);
  assert.equal(clampInodeTimes(partial, 256, EPOCH), false);
  assert.equal(partial.readUInt32LE(0x84), 0xabcd, 'bytes beyond i_extra_isize are not times');
});
