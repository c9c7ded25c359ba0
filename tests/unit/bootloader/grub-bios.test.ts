/** GRUB BIOS byte patchers against the offsets in shared/reference/loopless.md (step 4). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KilnError } from '../../../src/errors.js';
import { checkCoreFits, MAX_CORE_SECTORS, patchBootImg, patchCoreImg, planEmbedArea } from '../../../src/bootloader/grub-bios.js';

const hex = (b: Buffer) => b.toString('hex').match(/../g)!.join(' ');

/** A boot.img with GRUB 2.06's bytes where they matter and 0xEE elsewhere. */
function fakeBootImg(): Buffer {
  const b = Buffer.alloc(512, 0xee);
  b.set([0xeb, 0x63, 0x90], 0); // jmp after_BPB; nop
  b.set([0x00, 0x80], 0x5a); //    kernel_address 0x8000
  b.writeBigUInt64LE(1n, 0x5c); // kernel_sector default 1
  b.set([0xff, 0xfa, 0xeb, 0x05], 0x64); // boot_drive 0xff, cli, jmp 3f
  b.writeUInt16LE(0xaa55, 0x1fe);
  return b;
}

/** Sector 0 as sfdisk left it: BPB area and table with a recognisable pattern. */
function diskSector0(): Buffer {
  const s = Buffer.alloc(512);
  for (let i = 0; i < 512; i++) s[i] = i & 0xff;
  s.writeUInt16LE(0xaa55, 0x1fe);
  return s;
}

describe('patchBootImg', () => {
  it('writes the golden bytes for core at LBA 2048 (GPT)', () => {
    const out = patchBootImg(fakeBootImg(), diskSector0(), 2048);
    assert.equal(hex(out.subarray(0x5a, 0x68)), '00 80 00 08 00 00 00 00 00 00 ff fa 90 90');
  });
  it('keeps the BPB area and the partition table from the disk, the code from boot.img', () => {
    const disk = diskSector0();
    const boot = fakeBootImg();
    const out = patchBootImg(boot, disk, 1);
    assert.deepEqual(out.subarray(0x03, 0x5a), disk.subarray(0x03, 0x5a));
    assert.deepEqual(out.subarray(0x1b8, 0x1fe), disk.subarray(0x1b8, 0x1fe));
    assert.deepEqual(out.subarray(0, 3), boot.subarray(0, 3));
    assert.deepEqual(out.subarray(0x68, 0x1b8), boot.subarray(0x68, 0x1b8));
    assert.equal(out.readBigUInt64LE(0x5c), 1n);
    assert.equal(out.readUInt16LE(0x1fe), 0xaa55);
    assert.equal(out.length, 512);
  });
  it('does not modify its inputs', () => {
    const boot = fakeBootImg();
    const before = Buffer.from(boot);
    patchBootImg(boot, diskSector0(), 2048);
    assert.deepEqual(boot, before);
  });
  it('rejects something that is not boot.img', () => {
    assert.throws(() => patchBootImg(Buffer.alloc(512), diskSector0(), 1), KilnError);
    assert.throws(() => patchBootImg(Buffer.alloc(1024), diskSector0(), 1), /boot\.img/);
  });
});

/** A core.img of `bytes` bytes with grub-mkimage's default blocklist (start 2, len, segment 0x820). */
function fakeCore(bytes: number): Buffer {
  const c = Buffer.alloc(bytes, 0x11);
  c.fill(0x77, 0x1e8, 0x1f4); // junk where blocklist[1] goes: must come out zero
  c.writeBigUInt64LE(2n, 0x1f4);
  c.writeUInt16LE(Math.ceil(bytes / 512) - 1, 0x1fc);
  c.writeUInt16LE(0x0820, 0x1fe);
  return c;
}

describe('patchCoreImg', () => {
  it('writes the golden blocklist for a 299-sector core at LBA 2048', () => {
    const out = patchCoreImg(fakeCore(152_662), 2048);
    assert.equal(out.length, 299 * 512);
    assert.equal(hex(out.subarray(0x1f4, 0x200)), '01 08 00 00 00 00 00 00 2a 01 20 08');
    assert.ok(
      out.subarray(0x1e8, 0x1f4).every((b) => b === 0),
      'blocklist[1] is the zero terminator',
    );
  });
  it('pads with zeros to whole sectors and keeps the content', () => {
    const core = fakeCore(152_662);
    const out = patchCoreImg(core, 1);
    assert.deepEqual(out.subarray(0x200, core.length), core.subarray(0x200));
    assert.ok(out.subarray(core.length).every((b) => b === 0));
    assert.equal(out.readBigUInt64LE(0x1f4), 2n, 'core at LBA 1: the rest starts at LBA 2 (diskboot default)');
  });
  it('accepts 888 sectors and refuses 889 with a hint', () => {
    assert.equal(patchCoreImg(fakeCore(MAX_CORE_SECTORS * 512), 1).length, 888 * 512);
    assert.throws(
      () => patchCoreImg(fakeCore(MAX_CORE_SECTORS * 512 + 1), 1),
      (e: unknown) => e instanceof KilnError && /889 sectors/.test(e.message) && /fewer GRUB modules/.test(e.hint ?? ''),
    );
  });
  it('refuses 4096-byte sectors and a truncated core', () => {
    assert.throws(() => patchCoreImg(fakeCore(4096), 1, 4096), /512-byte sectors/);
    assert.throws(() => patchCoreImg(Buffer.alloc(300), 1), KilnError);
  });
});

describe('planEmbedArea / checkCoreFits', () => {
  it('MBR: the gap after sector 0 up to the first partition', () => {
    assert.deepEqual({ ...planEmbedArea({ label: 'mbr', firstPartitionLba: 2048 }), what: '' }, { startLba: 1, sectors: 2047, what: '' });
  });
  it('GPT: the BIOS boot partition, which is required', () => {
    assert.equal(planEmbedArea({ label: 'gpt', biosBootPartition: { startLba: 2048, sectors: 2048 } }).startLba, 2048);
    assert.throws(
      () => planEmbedArea({ label: 'gpt' }),
      (e: unknown) => e instanceof KilnError && /EF02/.test(`${e.message}${e.hint}`),
    );
  });
  it('no partition table: BIOS boot is impossible', () => {
    assert.throws(() => planEmbedArea({ label: 'none' }), KilnError);
  });
  it('a core larger than the area is an error naming both sizes', () => {
    const area = planEmbedArea({ label: 'mbr', firstPartitionLba: 63 });
    assert.doesNotThrow(() => checkCoreFits(62, area));
    assert.throws(() => checkCoreFits(299, area), /299 sectors.*62 sectors/);
  });
});
