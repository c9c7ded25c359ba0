import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as zlib from 'node:zlib';
import { encodeGpt, gptGeometry } from '../../../../src/block-device/partitioning/encode-gpt.js';
import { decodeGuid } from '../../../../src/block-device/common/guid.js';
import { gptTypeGuid } from '../../../../src/block-device/partitioning/gpt-types.js';
import type { GptTable } from '../../../../src/block-device/partitioning/encode-types.js';
import { KilnError } from '../../../../src/errors.js';

const zcrc = (b: Buffer): number => (zlib as unknown as { crc32(b: Buffer): number }).crc32(b);

function table(sectorSize: 512 | 4096, totalSectors: number): GptTable {
  return {
    diskGuid: '8E1D5B5A-3C2F-4C6B-9B5E-2E7A6F1D0C11',
    totalSectors,
    sectorSize,
    entries: [
      { typeGuid: gptTypeGuid('EF02'), uniqueGuid: '11111111-2222-4333-8444-555555555501', firstLba: 2048, lastLba: 4095, attributes: 0n, name: 'bios-boot' },
      {
        typeGuid: gptTypeGuid('8304'),
        uniqueGuid: '11111111-2222-4333-8444-555555555502',
        firstLba: 4096,
        lastLba: totalSectors - 2048,
        attributes: 4n,
        name: 'Root Part',
      },
    ],
  };
}

/** Decode a header independently of the encoder (UEFI 2.10 table 5-5). */
function header(b: Buffer) {
  const copy = Buffer.from(b.subarray(0, 92));
  const stored = copy.readUInt32LE(16);
  copy.writeUInt32LE(0, 16);
  return {
    sig: b.toString('latin1', 0, 8),
    rev: b.readUInt32LE(8),
    size: b.readUInt32LE(12),
    crcOk: zcrc(copy) === stored,
    my: Number(b.readBigUInt64LE(24)),
    alt: Number(b.readBigUInt64LE(32)),
    first: Number(b.readBigUInt64LE(40)),
    last: Number(b.readBigUInt64LE(48)),
    disk: decodeGuid(b.subarray(56, 72)),
    entries: Number(b.readBigUInt64LE(72)),
    count: b.readUInt32LE(80),
    esize: b.readUInt32LE(84),
    arrayCrc: b.readUInt32LE(88),
  };
}

for (const ss of [512, 4096] as const) {
  test(`GPT layout with ${ss}-byte sectors decodes per the UEFI spec`, () => {
    const total = ss === 512 ? 2097152 : 262144; // 1 GiB
    const w = encodeGpt(table(ss, total));
    const arr = ss === 512 ? 32 : 4;
    assert.deepEqual(
      w.map((x) => [x.lba, x.bytes.length]),
      [
        [0, ss],
        [1, ss * (1 + arr)],
        [total - 1 - arr, ss * (1 + arr)],
      ],
    );
    const pmbr = w[0]!.bytes;
    const endChs = ss === 512 ? '8a0882' : '510110'; // CHS of LBA total-1 (255 heads x 63 sectors)
    assert.equal(
      pmbr.subarray(446, 462).toString('hex'),
      `00000200ee${endChs}01000000${(total - 1).toString(16).padStart(8, '0').match(/../g)!.reverse().join('')}`,
    );
    assert.equal(pmbr.readUInt16BE(510), 0x55aa);
    const p = header(w[1]!.bytes);
    const b = header(w[2]!.bytes.subarray(arr * ss));
    assert.deepEqual([p.sig, p.rev, p.size, p.crcOk, p.my, p.alt, p.entries, p.count, p.esize], ['EFI PART', 0x10000, 92, true, 1, total - 1, 2, 128, 128]);
    assert.deepEqual([b.sig, b.crcOk, b.my, b.alt, b.entries], ['EFI PART', true, total - 1, 1, total - 1 - arr]);
    assert.equal(p.first, ss === 512 ? 34 : 6);
    assert.equal(p.last, total - 2 - arr);
    assert.equal(p.disk, '8E1D5B5A-3C2F-4C6B-9B5E-2E7A6F1D0C11');
    const array = w[1]!.bytes.subarray(ss, ss + 16384);
    assert.equal(zcrc(array), p.arrayCrc);
    assert.ok(array.equals(w[2]!.bytes.subarray(0, 16384)));
    // entry 2: type GUID on disk, attributes bit 2, UTF-16LE name with a space
    const e = array.subarray(128, 256);
    assert.equal(e.subarray(0, 16).toString('hex'), 'e3bc684fcde8b14d96e7fbcaf984b709');
    assert.equal(e.readBigUInt64LE(48), 4n);
    assert.equal(e.toString('utf16le', 56, 56 + 18), 'Root Part');
    assert.equal(e.readUInt16LE(56 + 18), 0);
  });
}

test('geometry and validation', () => {
  assert.deepEqual(gptGeometry(100, 512), { arraySectors: 32, firstUsableLba: 34, lastUsableLba: 66, backupArrayLba: 67, backupHeaderLba: 99 });
  const t = table(512, 2097152);
  assert.throws(() => encodeGpt({ ...t, entries: [{ ...t.entries[0]!, firstLba: 10 }] }), KilnError);
  assert.throws(() => encodeGpt({ ...t, entries: [t.entries[0]!, { ...t.entries[1]!, firstLba: 4000 }] }), /overlap/);
  assert.throws(() => encodeGpt({ ...t, entries: [{ ...t.entries[0]!, name: 'x'.repeat(37) }] }), /36/);
  assert.doesNotThrow(() => encodeGpt({ ...t, entries: [{ ...t.entries[0]!, name: 'x'.repeat(36) }] }));
});
