import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeLabelSector, encodePv } from '../../../../src/block-device/lvm/encode.js';
import { lvmCrc } from '../../../../src/block-device/lvm/crc.js';
import { fixture, REF_DESCRIPTION, REF_UNAME, refVg } from './refvg.js';

test('the label sector is byte-identical to the one pvcreate+vgcreate wrote', () => {
  const vg = refVg();
  assert.deepEqual(encodeLabelSector(vg.pvs[0]!), fixture('lvm2-2.03.16-label-sector.bin'));
});

test("the mda_header equals lvm's except for where the text sits (lvm: 3rd ring slot; kiln: first slot)", () => {
  const vg = refVg();
  const writes = encodePv(vg.pvs[0]!, vg, { description: REF_DESCRIPTION, uname: REF_UNAME });
  assert.deepEqual(
    writes.map((w) => w.lba),
    [1, 8, 9],
  );
  const ours = writes[1]!.bytes;
  const real = fixture('lvm2-2.03.16-mda-header.bin');
  assert.equal(Number(ours.readBigUInt64LE(40)), 512);
  assert.equal(Number(real.readBigUInt64LE(40)), 3072);
  // size (NUL included) and checksum of the identical text, and every other byte, agree.
  const mask = (b: Buffer): Buffer => {
    const c = Buffer.from(b);
    c.fill(0, 0, 4);
    c.fill(0, 40, 48);
    return c;
  };
  assert.deepEqual(mask(ours), mask(real));
  assert.equal(lvmCrc(ours.subarray(4)), ours.readUInt32LE(0));
});

test('the text sectors hold the metadata, its NUL, and zero padding to a sector boundary', () => {
  const vg = refVg();
  const [, mda, text] = encodePv(vg.pvs[1]!, vg, { description: REF_DESCRIPTION, uname: REF_UNAME });
  const size = Number(mda!.bytes.readBigUInt64LE(48));
  assert.equal(text!.bytes.length % 512, 0);
  assert.equal(text!.bytes.subarray(0, size - 1).toString('utf8'), fixture('lvm2-2.03.16-metadata.txt').toString('utf8'));
  assert.ok(text!.bytes.subarray(size - 1).every((b) => b === 0));
  assert.equal(lvmCrc(text!.bytes.subarray(0, size)), mda!.bytes.readUInt32LE(56));
});

test('every PV of a VG carries the same text; labels differ by uuid and size', () => {
  const vg = refVg();
  const [a, b] = vg.pvs.map((pv) => encodePv(pv, vg));
  assert.deepEqual(a![2]!.bytes, b![2]!.bytes);
  assert.notDeepEqual(a![0]!.bytes, b![0]!.bytes);
  assert.equal(b![0]!.bytes.subarray(32, 64).toString('latin1'), vg.pvs[1]!.uuid);
  assert.equal(Number(b![0]!.bytes.readBigUInt64LE(64)), 32 << 20);
});

test('invalid input is rejected before any byte is produced', () => {
  const vg = refVg();
  vg.lvs[1]!.segments[1]!.pvStartExtent = 5; // overlaps root on pv a
  assert.throws(() => encodePv(vg.pvs[0]!, vg), /extent 5 is already used/);
  const vg2 = refVg();
  vg2.lvs[0]!.name = '-bad';
  vg2.pvs[1]!.peCount = 8; // 32 MiB - 1 MiB holds 7 extents
  assert.throws(
    () => encodePv(vg2.pvs[0]!, vg2),
    (e: Error) => /invalid lv name/.test(e.message) && /pe_count 8/.test(e.message),
  );
});
