import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as zlib from 'node:zlib';
import { randomBytes } from 'node:crypto';
import { crc32, crc32c, crc32cRaw } from '../../../../src/block-device/common/crc32.js';

test('crc32 check values (IEEE)', () => {
  assert.equal(crc32(Buffer.from('123456789')), 0xcbf43926);
  assert.equal(crc32(Buffer.alloc(0)), 0);
  assert.equal(crc32(Buffer.from('The quick brown fox jumps over the lazy dog')), 0x414fa339);
});

test('crc32 agrees with zlib on random buffers', () => {
  for (let i = 0; i < 20; i++) {
    const b = randomBytes(i * 97);
    assert.equal(crc32(b), (zlib as unknown as { crc32(b: Buffer): number }).crc32(b));
  }
});

test('crc32c check value (Castagnoli) and raw form', () => {
  assert.equal(crc32c(Buffer.from('123456789')), 0xe3069283);
  // crc32c = ~raw(~0): the raw form is what ext4 stores
  assert.equal((crc32cRaw(0xffffffff, Buffer.from('123456789')) ^ 0xffffffff) >>> 0, 0xe3069283);
});
