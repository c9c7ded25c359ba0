/**
 * GPT as bytes (UEFI 2.10 §5.2.3 protective MBR, §5.3.2 header, §5.3.3 entries):
 *   LBA 0              protective MBR: one entry type 0xEE, start LBA 1, size min(total-1, 0xFFFFFFFF)
 *   LBA 1              primary header
 *   LBA 2..            primary entry array: 128 entries x 128 bytes = 16 KiB (32 sectors of 512, 4 of 4096)
 *   ..total-2          backup entry array
 *   LBA total-1        backup header
 * First usable LBA = 2 + array sectors (34 for 512-byte sectors, 6 for 4096).
 */
import { KilnError } from '../../errors.js';
import { crc32 } from '../common/crc32.js';
import { encodeGuid } from '../common/guid.js';
import type { SectorWrite } from '../common/sectors.js';
import type { GptEntry, GptTable } from './encode-types.js';

export const GPT_ENTRY_COUNT = 128;
export const GPT_ENTRY_SIZE = 128;
export const GPT_HEADER_SIZE = 92;
export const GPT_NAME_MAX = 36;
/** Attribute bits (UEFI 2.10 table 5-9): 0 required partition, 2 legacy BIOS bootable; 48-63 type specific. */
export const GPT_ATTR_REQUIRED = 1n;
export const GPT_ATTR_LEGACY_BIOS_BOOTABLE = 4n;
const ARRAY_BYTES = GPT_ENTRY_COUNT * GPT_ENTRY_SIZE;

export interface GptGeometry {
  arraySectors: number;
  firstUsableLba: number;
  lastUsableLba: number;
  backupArrayLba: number;
  backupHeaderLba: number;
}

/** Where everything goes for a disk of `totalSectors` sectors of `sectorSize` bytes. */
export function gptGeometry(totalSectors: number, sectorSize: 512 | 4096): GptGeometry {
  const arraySectors = Math.ceil(ARRAY_BYTES / sectorSize);
  const backupHeaderLba = totalSectors - 1;
  const backupArrayLba = backupHeaderLba - arraySectors;
  return { arraySectors, firstUsableLba: 2 + arraySectors, lastUsableLba: backupArrayLba - 1, backupArrayLba, backupHeaderLba };
}

/** Conventional CHS (255 heads x 63 sectors; FE FF FF past cylinder 1023), as gdisk computes it. */
export function chs255(lba: number): [number, number, number] {
  const c = Math.floor(lba / (255 * 63));
  if (c > 1023) return [0xfe, 0xff, 0xff];
  const h = Math.floor(lba / 63) % 255;
  const sec = (lba % 63) + 1;
  return [h, sec | ((c >> 2) & 0xc0), c & 0xff];
}

export function encodeProtectiveMbr(totalSectors: number, sectorSize: number): Buffer {
  const s = Buffer.alloc(sectorSize);
  const e = 446;
  s[e + 0] = 0x00; // not bootable (UEFI: must be 0)
  s[e + 1] = 0x00;
  s[e + 2] = 0x02;
  s[e + 3] = 0x00; // CHS of LBA 1
  s[e + 4] = 0xee;
  const sectors = Math.min(totalSectors - 1, 0xffffffff);
  Buffer.from(chs255(sectors)).copy(s, e + 5); // CHS of the last sector covered, as sgdisk writes it
  s.writeUInt32LE(1, e + 8);
  s.writeUInt32LE(sectors, e + 12);
  s[510] = 0x55;
  s[511] = 0xaa;
  return s;
}

function encodeEntry(e: GptEntry, index: number): Buffer {
  const b = Buffer.alloc(GPT_ENTRY_SIZE);
  encodeGuid(e.typeGuid).copy(b, 0);
  encodeGuid(e.uniqueGuid).copy(b, 16);
  b.writeBigUInt64LE(BigInt(e.firstLba), 32);
  b.writeBigUInt64LE(BigInt(e.lastLba), 40);
  b.writeBigUInt64LE(BigInt.asUintN(64, e.attributes), 48);
  if (e.name.length > GPT_NAME_MAX) {
    throw new KilnError(`GPT partition ${index + 1} name '${e.name}' is ${e.name.length} characters; at most ${GPT_NAME_MAX} fit`);
  }
  b.write(e.name, 56, 'utf16le');
  return b;
}

function checkEntries(t: GptTable, g: GptGeometry): void {
  if (t.entries.length > GPT_ENTRY_COUNT) throw new KilnError(`GPT holds at most ${GPT_ENTRY_COUNT} partitions, got ${t.entries.length}`);
  const sorted = t.entries.map((e, i) => ({ e, n: i + 1 })).sort((a, b) => a.e.firstLba - b.e.firstLba);
  let prevEnd = -1;
  let prevN = 0;
  for (const { e, n } of sorted) {
    if (e.firstLba < g.firstUsableLba || e.lastLba > g.lastUsableLba || e.lastLba < e.firstLba) {
      throw new KilnError(`GPT partition ${n} (${e.firstLba}..${e.lastLba}) is outside the usable sectors ${g.firstUsableLba}..${g.lastUsableLba}`);
    }
    if (e.firstLba <= prevEnd) throw new KilnError(`GPT partitions ${prevN} and ${n} overlap`);
    prevEnd = e.lastLba;
    prevN = n;
  }
}

function encodeHeader(t: GptTable, g: GptGeometry, arrayCrc: number, backup: boolean): Buffer {
  const h = Buffer.alloc(t.sectorSize);
  h.write('EFI PART', 0, 'latin1');
  h.writeUInt32LE(0x00010000, 8); // revision 1.0
  h.writeUInt32LE(GPT_HEADER_SIZE, 12);
  // 16: header CRC32, computed over the 92 bytes with this field zero; 20: reserved
  h.writeBigUInt64LE(BigInt(backup ? g.backupHeaderLba : 1), 24); // MyLBA
  h.writeBigUInt64LE(BigInt(backup ? 1 : g.backupHeaderLba), 32); // AlternateLBA
  h.writeBigUInt64LE(BigInt(g.firstUsableLba), 40);
  h.writeBigUInt64LE(BigInt(g.lastUsableLba), 48);
  encodeGuid(t.diskGuid).copy(h, 56);
  h.writeBigUInt64LE(BigInt(backup ? g.backupArrayLba : 2), 72); // PartitionEntryLBA
  h.writeUInt32LE(GPT_ENTRY_COUNT, 80);
  h.writeUInt32LE(GPT_ENTRY_SIZE, 84);
  h.writeUInt32LE(arrayCrc, 88);
  h.writeUInt32LE(crc32(h.subarray(0, GPT_HEADER_SIZE)), 16);
  return h;
}

export function encodeGpt(t: GptTable): SectorWrite[] {
  if (t.sectorSize !== 512 && t.sectorSize !== 4096) throw new KilnError(`GPT sector size must be 512 or 4096, got ${t.sectorSize}`);
  const g = gptGeometry(t.totalSectors, t.sectorSize);
  if (g.lastUsableLba < g.firstUsableLba) throw new KilnError(`disk of ${t.totalSectors} sectors is too small for a GPT`);
  checkEntries(t, g);
  const array = Buffer.alloc(g.arraySectors * t.sectorSize);
  t.entries.forEach((e, i) => {
    encodeEntry(e, i).copy(array, i * GPT_ENTRY_SIZE);
  });
  const arrayCrc = crc32(array.subarray(0, ARRAY_BYTES));
  return [
    { lba: 0, bytes: encodeProtectiveMbr(t.totalSectors, t.sectorSize) },
    { lba: 1, bytes: Buffer.concat([encodeHeader(t, g, arrayCrc, false), array]) },
    { lba: g.backupArrayLba, bytes: Buffer.concat([array, encodeHeader(t, g, arrayCrc, true)]) },
  ];
}
