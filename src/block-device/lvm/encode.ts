// encodePv(): the bytes that make a region an LVM2 physical volume of `vg`. Layouts from lvm2
// lib/label/label.h (struct label_header), lib/format_text/layout.h (pv_header, disk_locn,
// pv_header_extension, mda_header, raw_locn) and lib/format_text/format-text.c / text_label.c.
// Positions relative to the PV start (512-byte sectors):
//   sector 0        untouched (room for a boot sector)
//   sector 1        label_header + pv_header + pv_header_extension       (crc_xl over bytes 20..511)
//   byte 4096       mda_header, metadata area [4096, pe_start)            (checksum_xl over bytes 4..511)
//   byte 4096+512   the VG text + NUL, pointed to by raw_locn[0]          (checksum over text + NUL)
//   pe_start        first physical extent
import { lvmCrc } from './crc.js';
import { formatVgMetadata, type VgTextOptions } from './metadata-text.js';
import { LVM_SECTOR_BYTES, type LvmPv, type LvmVg } from './types.js';
import { assertLvmVg } from './validate.js';
import { KilnError } from '../../errors.js';
import type { SectorWrite } from '../common/sectors.js';

export const LABEL_SECTOR = 1; // label.h: scanned in sectors 0..3 (LABEL_SCAN_SECTORS)
export const LABEL_ID = 'LABELONE';
export const LVM2_LABEL_TYPE = 'LVM2 001';
export const MDA_START_BYTES = 4096; // the first metadata area starts 4 KiB into the PV
export const MDA_HEADER_BYTES = 512; // layout.h MDA_HEADER_SIZE
export const FMTT_MAGIC = ' LVM2 x[5A%r0N*>'; // layout.h, 16 bytes
export const FMTT_VERSION = 1;
export const PV_HEADER_EXTENSION_VSN = 2;
export const PV_EXT_USED = 0x1; // the PV belongs to a VG

/** The label sector: label_header (32 bytes) then pv_header and its extension. */
export function encodeLabelSector(pv: LvmPv): Buffer {
  const b = Buffer.alloc(LVM_SECTOR_BYTES);
  b.write(LABEL_ID, 0, 'latin1'); // char id[8]
  b.writeBigUInt64LE(BigInt(LABEL_SECTOR), 8); // u64 sector_xl: where this label sits
  b.writeUInt32LE(32, 20); // u32 offset_xl: pv_header offset in the sector
  b.write(LVM2_LABEL_TYPE, 24, 'latin1'); // char type[8]
  let at = 32; // struct pv_header
  b.write(pv.uuid, at, 'latin1');
  at += 32; // char pv_uuid[32], no dashes
  b.writeBigUInt64LE(BigInt(pv.deviceBytes), at);
  at += 8; // u64 device_size_xl, bytes
  const peStartBytes = pv.peStartSectors * LVM_SECTOR_BYTES;
  // disk_locn lists {u64 offset, u64 size}, each ended by a zero entry.
  at = locn(b, at, peStartBytes, 0); // data area: from pe_start to the end (size 0)
  at += 16;
  at = locn(b, at, MDA_START_BYTES, peStartBytes - MDA_START_BYTES); // metadata area 1
  at += 16;
  b.writeUInt32LE(PV_HEADER_EXTENSION_VSN, at);
  at += 4; // struct pv_header_extension
  b.writeUInt32LE(PV_EXT_USED, at);
  at += 4;
  // bootloader area list: empty, its zero terminator is already there.
  b.writeUInt32LE(lvmCrc(b.subarray(20)), 16); // u32 crc_xl over offset_xl..end of sector
  return b;
}

function locn(b: Buffer, at: number, offset: number, size: number): number {
  b.writeBigUInt64LE(BigInt(offset), at);
  b.writeBigUInt64LE(BigInt(size), at + 8);
  return at + 16;
}

/** mda_header with one raw_locn: the text (plus NUL) at mda offset 512. */
export function encodeMdaHeader(pv: LvmPv, textWithNul: Buffer, textOffset = MDA_HEADER_BYTES): Buffer {
  const b = Buffer.alloc(MDA_HEADER_BYTES);
  b.write(FMTT_MAGIC, 4, 'latin1'); // char magic[16]
  b.writeUInt32LE(FMTT_VERSION, 20); // u32 version
  b.writeBigUInt64LE(BigInt(MDA_START_BYTES), 24); // u64 start: absolute in the PV
  b.writeBigUInt64LE(BigInt(pv.peStartSectors * LVM_SECTOR_BYTES - MDA_START_BYTES), 32); // u64 size
  b.writeBigUInt64LE(BigInt(textOffset), 40); // raw_locn.offset, mda-relative
  b.writeBigUInt64LE(BigInt(textWithNul.length), 48); // raw_locn.size, NUL included
  b.writeUInt32LE(lvmCrc(textWithNul), 56); // raw_locn.checksum, NUL included
  // raw_locn.flags = 0 at 60; the zero entry at 64..87 ends the list.
  b.writeUInt32LE(lvmCrc(b.subarray(4)), 0); // u32 checksum_xl over bytes 4..511
  return b;
}

/** Every sector a PV of `vg` needs, LBAs relative to the PV start (512-byte sectors). */
export function encodePv(pv: LvmPv, vg: LvmVg, opts: VgTextOptions = {}): SectorWrite[] {
  assertLvmVg(vg);
  if (!vg.pvs.some((p) => p.name === pv.name && p.uuid === pv.uuid)) throw new Error(`pv '${pv.name}' is not a pv of vg '${vg.name}'`);
  return encodePvWithText(pv, Buffer.from(`${formatVgMetadata(vg, { ...opts, style: 'disk' })}\0`, 'utf8'), vg.name);
}

/** encodePv() for a text already formatted (writeLvm formats it once for all PVs). */
export function encodePvWithText(pv: LvmPv, textWithNul: Buffer, vgName: string): SectorWrite[] {
  const room = pv.peStartSectors * LVM_SECTOR_BYTES - MDA_START_BYTES - MDA_HEADER_BYTES;
  if (textWithNul.length > room) {
    throw new KilnError(`lvm metadata of vg '${vgName}' (${textWithNul.length} bytes) does not fit the ${room}-byte metadata area`, {
      where: `lvm pv '${pv.name}'`,
      hint: 'use fewer logical volumes or segments',
    });
  }
  const textSectors = Math.ceil(textWithNul.length / LVM_SECTOR_BYTES);
  const text = Buffer.alloc(textSectors * LVM_SECTOR_BYTES);
  textWithNul.copy(text);
  const mdaLba = MDA_START_BYTES / LVM_SECTOR_BYTES;
  return [
    { lba: LABEL_SECTOR, bytes: encodeLabelSector(pv) },
    { lba: mdaLba, bytes: encodeMdaHeader(pv, textWithNul) },
    { lba: mdaLba + MDA_HEADER_BYTES / LVM_SECTOR_BYTES, bytes: text },
  ];
}
