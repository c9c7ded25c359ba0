import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crc32 } from 'node:zlib';
import { lvmCrc, LVM_INITIAL_CRC } from '../../../../src/block-device/lvm/crc.js';
import { fixture } from './refvg.js';

test('lvmCrc matches the crc_xl lvm2 wrote into a real label sector (bytes 20..511)', () => {
  const label = fixture('lvm2-2.03.16-label-sector.bin');
  assert.equal(lvmCrc(label.subarray(20)), label.readUInt32LE(16));
  assert.equal(lvmCrc(label.subarray(20)), 0x5be26ac5);
});

test('lvmCrc matches the checksum_xl lvm2 wrote into a real mda_header (bytes 4..511)', () => {
  const mda = fixture('lvm2-2.03.16-mda-header.bin');
  assert.equal(lvmCrc(mda.subarray(4)), mda.readUInt32LE(0));
  assert.equal(lvmCrc(mda.subarray(4)), 0x45cb1977);
});

test('lvmCrc matches raw_locn.checksum of the real metadata text, NUL included', () => {
  const mda = fixture('lvm2-2.03.16-mda-header.bin');
  const text = Buffer.concat([fixture('lvm2-2.03.16-metadata.txt'), Buffer.from([0])]);
  assert.equal(text.length, Number(mda.readBigUInt64LE(48)));
  assert.equal(lvmCrc(text), mda.readUInt32LE(56));
});

test('lvmCrc is zlib crc32 without its pre/post inversion, and the empty buffer gives INITIAL_CRC', () => {
  const buf = Buffer.from('123456789');
  assert.equal(lvmCrc(buf), (crc32(buf, LVM_INITIAL_CRC ^ 0xffffffff) ^ 0xffffffff) >>> 0);
  assert.equal(lvmCrc(Buffer.alloc(0)), LVM_INITIAL_CRC);
  assert.equal((lvmCrc(buf, 0xffffffff) ^ 0xffffffff) >>> 0, 0xcbf43926); // the standard CRC-32 check value
});
