import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeMbr, lbaToChs, encodeChs } from '../../../../src/block-device/partitioning/encode-mbr.js';
import { KilnError } from '../../../../src/errors.js';
import { dibMbrLayout } from './dib-mbr-layout.js';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const entryHex = (b: Buffer, slot: number): string => b.subarray(446 + 16 * slot, 462 + 16 * slot).toString('hex');

test('one bootable primary: golden entry bytes, signature, 55AA, zero boot code', () => {
  const w = encodeMbr({ diskSignature: 0xdeadbeef, primaries: [{ bootable: true, type: 0x83, startLba: 2048, sectors: 20480 }], logicals: [] });
  assert.equal(w.length, 1);
  const s = w[0]!.bytes;
  assert.equal(w[0]!.lba, 0);
  assert.equal(s.length, 512);
  assert.equal(s.readUInt32LE(440), 0xdeadbeef);
  // 80 | CHS(2048)=h32 s33 c0 | 83 | CHS(22528)=h103 s38 c1 | 2048 | 20480
  assert.equal(entryHex(s, 0), '80202100836726010008000000500000');
  assert.equal(entryHex(s, 1), '0'.repeat(32));
  assert.equal(
    s.subarray(0, 440).every((x) => x === 0),
    true,
  );
  assert.equal(s.readUInt16BE(510), 0x55aa);
});

test('CHS clamps to 1023/254/63 (FE FF FF)', () => {
  assert.deepEqual(lbaToChs(254 * 63 * 1023 + 1), [1023, 254, 63]);
  assert.deepEqual(encodeChs([1023, 254, 63]), [0xfe, 0xff, 0xff]);
  assert.deepEqual(lbaToChs(0), [0, 0, 1]);
});

test('1 logical only: extended container in slot 0, EBR at 2048 with the partition at +2048', () => {
  const t = dibMbrLayout(GiB, [{ primary: false, boot: false, sizeBytes: 10 * MiB, type: 0x83 }]);
  const w = encodeMbr(t);
  assert.deepEqual(
    w.map((x) => x.lba),
    [0, 2048],
  );
  const mbr = w[0]!.bytes;
  assert.equal(mbr[446 + 4], 0x0f);
  assert.equal(mbr.readUInt32LE(446 + 8), 2048);
  assert.equal(mbr.readUInt32LE(446 + 12), 2097152 - 2048);
  const ebr = w[1]!.bytes;
  assert.equal(ebr[446 + 4], 0x83);
  assert.equal(ebr.readUInt32LE(446 + 8), 2048); // relative to the EBR
  assert.equal(ebr.readUInt32LE(446 + 12), 20480);
  assert.equal(entryHex(ebr, 1), '0'.repeat(32)); // last EBR: no link
  assert.equal(ebr.readUInt16BE(510), 0x55aa);
  assert.equal(ebr.readUInt32LE(440), 0); // disk signature only in the MBR
});

test('3 primaries + 7 logicals: links are type 05 relative to the container start', () => {
  const parts = [
    ...[0, 1, 2].map(() => ({ primary: true, boot: false, sizeBytes: 10 * MiB, type: 0x83 })),
    ...[0, 1, 2, 3, 4, 5, 6].map(() => ({ primary: false, boot: false, sizeBytes: 10 * MiB, type: 0x83 })),
  ];
  const w = encodeMbr(dibMbrLayout(GiB, parts));
  assert.equal(w.length, 8);
  const mbr = w[0]!.bytes;
  assert.equal(mbr[446 + 48 + 4], 0x0f);
  assert.equal(mbr.readUInt32LE(446 + 48 + 8), 63488);
  assert.deepEqual(
    w.slice(1).map((x) => x.lba),
    [63488, 86016, 108544, 131072, 153600, 176128, 198656],
  );
  const first = w[1]!.bytes;
  assert.equal(first[446 + 16 + 4], 0x05);
  assert.equal(first.readUInt32LE(446 + 16 + 8), 86016 - 63488);
  assert.equal(first.readUInt32LE(446 + 16 + 12), 22528); // EBR .. aligned end of the next logical
});

test('errors: logicals without a container, values over 32 bits', () => {
  assert.throws(
    () => encodeMbr({ diskSignature: 0, primaries: [], logicals: [{ ebrLba: 2048, entry: { bootable: false, type: 0x83, startLba: 4096, sectors: 1 } }] }),
    KilnError,
  );
  assert.throws(() => encodeMbr({ diskSignature: 0, primaries: [{ bootable: false, type: 0x83, startLba: 2048, sectors: 2 ** 32 }], logicals: [] }), /32 bits/);
});
