import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { crc32c, guidBytes, normalizeVhdFooter, normalizeVmdkDescriptor, seededUuid, vhdChecksum } from '../../../src/outputs/deterministic.js';

describe('deterministic disk-format metadata', () => {
  it('seeded UUIDs are stable, differ per seed, and are RFC 4122 version 4', () => {
    const a = seededUuid('vhd', 'img', 1700000000);
    assert.deepEqual(a, seededUuid('vhd', 'img', 1700000000));
    assert.notDeepEqual(a, seededUuid('vhd', 'img', 1700000001));
    assert.equal(a[6]! >> 4, 4);
    assert.equal(a[8]! >> 6, 2);
  });

  it('a VHD footer gets the epoch (seconds since 2000), the id and a matching checksum', () => {
    const f = Buffer.alloc(512);
    f.write('conectix', 0, 'latin1');
    f.writeUInt32BE(0xdeadbeef, 24);
    normalizeVhdFooter(f, 1700000000, Buffer.alloc(16, 7));
    assert.equal(f.readUInt32BE(24), 1700000000 - 946684800);
    assert.deepEqual(f.subarray(68, 84), Buffer.alloc(16, 7));
    assert.equal(f.readUInt32BE(64), vhdChecksum(f));
    assert.throws(() => normalizeVhdFooter(Buffer.alloc(512), 0, Buffer.alloc(16)), /not a VHD footer/);
  });

  it('a VMDK descriptor gets the CID and the final file name, nothing else changes', () => {
    const text =
      '# Disk DescriptorFile\nversion=1\nCID=fec9396a\nparentCID=ffffffff\ncreateType="streamOptimized"\n\n# Extent description\nRW 131072 SPARSE ".img.vmdk.new-1234"\n';
    const out = normalizeVmdkDescriptor(text, '0badcafe', 'img.vmdk');
    assert.equal(out, text.replace('CID=fec9396a', 'CID=0badcafe').replace('".img.vmdk.new-1234"', '"img.vmdk"'));
    assert.match(out, /^parentCID=ffffffff$/m);
  });

  it('CRC-32C and VHDX GUID byte order', () => {
    assert.equal(crc32c(Buffer.from('123456789')), 0xe3069283);
    assert.equal(guidBytes('8B7CA206-4790-4B9A-B8FE-575F050F886E').toString('hex'), '06a27c8b90479a4bb8fe575f050f886e');
  });
});
