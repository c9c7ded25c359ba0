/** DIB size specs (diskimage_builder/block_device/utils.py). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseAbsSize, parseSizeSpec, resolveSize } from '../../../../src/block-device/common/sizes.js';

describe('parseAbsSize', () => {
  it('binary units', () => {
    assert.equal(parseAbsSize('154MiB'), 154 * 2 ** 20);
    assert.equal(parseAbsSize('1GiB'), 2 ** 30);
    assert.equal(parseAbsSize('2 TiB'), 2 * 2 ** 40);
    assert.equal(parseAbsSize('4KiB'), 4096);
  });
  it('decimal units, M is decimal', () => {
    assert.equal(parseAbsSize('1800M'), 1_800_000_000);
    assert.equal(parseAbsSize('2G'), 2_000_000_000);
    assert.equal(parseAbsSize('3MB'), 3_000_000);
    assert.equal(parseAbsSize('1K'), 1000);
    assert.equal(parseAbsSize('1T'), 10 ** 12);
  });
  it('bytes: bare number or B; a unit alone is 1 of it; decimals truncate', () => {
    assert.equal(parseAbsSize('198'), 198);
    assert.equal(parseAbsSize(198), 198);
    assert.equal(parseAbsSize('512B'), 512);
    assert.equal(parseAbsSize('MiB'), 2 ** 20);
    assert.equal(parseAbsSize('1.5KiB'), 1536);
    assert.equal(parseAbsSize('0.3K'), 300);
  });
  it('errors as DIB', () => {
    assert.throws(() => parseAbsSize('10 XB'), /unit_str \[XB\] not known/);
    assert.throws(() => parseAbsSize('-5MiB'), /Invalid size unit spec \[-5MiB\]/);
    assert.throws(() => parseAbsSize('1.2.3MiB'), /Invalid size unit spec/);
  });
});

describe('relative sizes', () => {
  it('N% of a given size, truncated', () => {
    const s = parseSizeSpec('100%');
    assert.equal(s.relative, true);
    assert.equal(resolveSize(s, 1000), 1000);
    assert.equal(resolveSize(parseSizeSpec('33%'), 1000), 330);
    assert.equal(resolveSize(parseSizeSpec('12.5%'), 1001), 125);
    assert.equal(resolveSize(parseSizeSpec('10MiB'), 1), 10 * 2 ** 20);
    assert.equal(parseSizeSpec('154MiB').relative, false);
  });
  it('rejects a bare %', () => {
    assert.throws(() => parseSizeSpec('%'), /Invalid size unit spec/);
  });
});
