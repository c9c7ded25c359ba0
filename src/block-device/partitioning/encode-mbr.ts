/**
 * MBR and EBR chain as bytes, byte-compatible with DIB's native writer
 * (diskimage_builder/block_device/level1/mbr.py), except that the disk signature is given, not random.
 *
 * Sector layout: 0..439 boot code (zero here; the bootloader step writes it later), 440 u32 disk
 * signature, 446 four 16-byte entries, 510 55 AA. Entry: +0 boot flag (0x80), +1 CHS start (3),
 * +4 type, +5 CHS end (3), +8 u32 LBA start, +12 u32 sectors.
 * Each EBR (at its own LBA) uses the same layout: entry 1 = the logical partition, start relative to
 * the EBR; entry 2 = link (type 0x05) to the next EBR, start relative to the extended container.
 */
import { KilnError } from '../../errors.js';
import type { SectorWrite } from '../common/sectors.js';
import type { MbrEntry, MbrTable } from './encode-types.js';

const SECTOR = 512;
const HEADS = 254;
const SECTORS_PER_TRACK = 63;
const MAX_CYLINDERS = 1023;
const EXTENDED_TYPES = new Set([0x05, 0x0f, 0x85]);
const EBR_LINK_TYPE = 0x05;

/** DIB MBR.lba2chs: 254 heads x 63 sectors, clamped to (1023, 254, 63) above 254*63*1023. */
export function lbaToChs(lba: number): [number, number, number] {
  if (lba > HEADS * SECTORS_PER_TRACK * MAX_CYLINDERS) return [MAX_CYLINDERS, HEADS, SECTORS_PER_TRACK];
  const c = Math.floor(lba / (HEADS * SECTORS_PER_TRACK));
  const h = Math.floor(lba / SECTORS_PER_TRACK) % HEADS;
  const s = (lba % SECTORS_PER_TRACK) + 1;
  return [c, h, s];
}

/**
 * DIB MBR.encode_chs, reproduced as is so our bytes equal DIB's: it ORs cylinder/4 (not the
 * cylinder's bits 8-9 shifted to 6-7) into the sector byte. Firmware and Linux use the LBA fields;
 * CHS is informational, and the clamped value (FE FF FF) is the conventional one.
 */
export function encodeChs([c, h, s]: [number, number, number]): [number, number, number] {
  return [h, (s | Math.floor(c / 4)) & 0xff, c % 256];
}

function u32(value: number, what: string): number {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
    throw new KilnError(`MBR ${what} ${value} does not fit in 32 bits`, { hint: 'use a GPT label for disks over 2 TiB' });
  }
  return value;
}

/** Write one 16-byte entry. `start` is the value stored (absolute or relative); CHS derive from it as DIB does. */
function writeEntry(sector: Buffer, slot: number, e: MbrEntry, start: number): void {
  const o = 446 + 16 * slot;
  sector[o] = e.bootable ? 0x80 : 0x00;
  Buffer.from(encodeChs(lbaToChs(start))).copy(sector, o + 1);
  sector[o + 4] = e.type & 0xff;
  // DIB computes the end CHS from start + length (one past the last sector); kept for byte equality.
  Buffer.from(encodeChs(lbaToChs(start + e.sectors))).copy(sector, o + 5);
  sector.writeUInt32LE(u32(start, 'partition start'), o + 8);
  sector.writeUInt32LE(u32(e.sectors, 'partition size'), o + 12);
}

function bootSector(): Buffer {
  const s = Buffer.alloc(SECTOR);
  s[510] = 0x55;
  s[511] = 0xaa;
  return s;
}

export function encodeMbr(t: MbrTable): SectorWrite[] {
  if (t.primaries.length > 4) throw new KilnError(`MBR has ${t.primaries.length} primary slots; at most 4 exist`);
  const mbr = bootSector();
  mbr.writeUInt32LE(u32(t.diskSignature, 'disk signature'), 440);
  t.primaries.forEach((e, slot) => {
    if (e) writeEntry(mbr, slot, e, e.startLba);
  });
  const writes: SectorWrite[] = [{ lba: 0, bytes: mbr }];
  if (t.logicals.length === 0) return writes;

  const container = t.primaries.find((e) => e && EXTENDED_TYPES.has(e.type));
  const containerStart = t.extendedStartLba ?? container?.startLba;
  if (containerStart === undefined || !container) {
    throw new KilnError('MBR has logical partitions but no extended (type 0x0f) primary entry');
  }
  const containerEnd = container.startLba + container.sectors;
  t.logicals.forEach((l, i) => {
    const ebr = bootSector();
    if (l.ebrLba < containerStart || l.entry.startLba + l.entry.sectors > containerEnd || l.entry.startLba <= l.ebrLba) {
      throw new KilnError(`logical partition ${i + 5} (EBR at ${l.ebrLba}) is outside the extended container ${containerStart}..${containerEnd - 1}`);
    }
    writeEntry(ebr, 0, l.entry, l.entry.startLba - l.ebrLba);
    const next = t.logicals[i + 1];
    if (next) {
      const link: MbrEntry = { bootable: false, type: EBR_LINK_TYPE, startLba: next.ebrLba, sectors: linkEnd(next, containerEnd) - next.ebrLba };
      writeEntry(ebr, 1, link, next.ebrLba - containerStart);
    }
    writes.push({ lba: l.ebrLba, bytes: ebr });
  });
  return writes;
}

/**
 * End of the region an EBR link describes. DIB: align(data start + length), where the alignment is
 * the gap DIB leaves between an EBR and its data (align(1)); clamped to the container.
 */
function linkEnd(l: MbrTable['logicals'][number], containerEnd: number): number {
  const align = l.entry.startLba - l.ebrLba;
  const end = l.entry.startLba + l.entry.sectors;
  return Math.min(Math.ceil(end / align) * align, containerEnd);
}
