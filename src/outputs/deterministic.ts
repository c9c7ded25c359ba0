/**
 * qemu-img stamps the disk formats with the wall clock and random ids: the VHD footer's timestamp
 * and unique id, the VMDK descriptor's CID (and the name of the file it was written to, a
 * temporary name here). These are rewritten in place from the build's epoch and a seed, so the
 * same raw image gives the same bytes. Nothing else in those files varies (tested).
 *
 * VHD: Microsoft's "Virtual Hard Disk Image Format Specification" (footer: cookie "conectix",
 * timestamp at 24 as seconds since 2000-01-01 UTC, checksum at 64, unique id at 68; a dynamic disk
 * has a copy of the footer at offset 0). VMDK: VMware's "Virtual Disk Format 5.0" (sparse header
 * "KDMV", descriptorOffset at 28 and descriptorSize at 36, in sectors).
 */
import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { basename } from 'node:path';
import { KilnError } from '../errors.js';

const SECTOR = 512;
const VHD_EPOCH = 946684800; // 2000-01-01T00:00:00Z

/** 16 bytes from the seed, shaped as an RFC 4122 version-4 UUID (as qemu-img's random ones are). */
export function seededUuid(...seed: (string | number)[]): Buffer {
  const b = createHash('sha256').update(seed.join('\0')).digest().subarray(0, 16);
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  return b;
}

/** The footer checksum: the ones' complement of the sum of every byte but the checksum's own. */
export function vhdChecksum(footer: Buffer): number {
  let sum = 0;
  for (let i = 0; i < footer.length; i++) if (i < 64 || i >= 68) sum += footer[i]!;
  return ~sum >>> 0;
}

/** Set a footer's timestamp and unique id, and its checksum. */
export function normalizeVhdFooter(footer: Buffer, epoch: number, uuid: Buffer): void {
  if (footer.toString('latin1', 0, 8) !== 'conectix') throw new KilnError('not a VHD footer (no "conectix" cookie)');
  footer.writeUInt32BE(Math.max(0, Math.min(epoch - VHD_EPOCH, 0xffffffff)), 24);
  uuid.copy(footer, 68, 0, 16);
  footer.writeUInt32BE(vhdChecksum(footer), 64);
}

/** Rewrite a VHD's footer (at the end, and its copy at 0 in a dynamic disk) from the epoch and seed. */
export async function normalizeVhd(file: string, epoch: number, seed: string): Promise<void> {
  const fh = await open(file, 'r+');
  try {
    const size = (await fh.stat()).size;
    const uuid = seededUuid('vhd', seed, epoch);
    const at = [size - SECTOR];
    const first = Buffer.alloc(SECTOR);
    await fh.read(first, 0, SECTOR, 0);
    if (first.toString('latin1', 0, 8) === 'conectix' && size > SECTOR) at.push(0);
    for (const offset of at) {
      const footer = Buffer.alloc(SECTOR);
      await fh.read(footer, 0, SECTOR, offset);
      normalizeVhdFooter(footer, epoch, uuid);
      await fh.write(footer, 0, SECTOR, offset);
    }
  } finally {
    await fh.close();
  }
}

/** The descriptor text with a seeded CID and the extent named after the final file. */
export function normalizeVmdkDescriptor(text: string, cid: string, extentName: string): string {
  return text.replace(/^CID=[0-9a-fA-F]+$/m, `CID=${cid}`).replace(/^(RW|RDONLY|NOACCESS) (\d+) (\S+) "[^"]*"/m, `$1 $2 $3 "${extentName.replace(/"/g, '')}"`);
}

/** Rewrite a monolithic VMDK's embedded descriptor in place (its area keeps its size). */
export async function normalizeVmdk(file: string, finalName: string, epoch: number, seed: string): Promise<void> {
  const fh = await open(file, 'r+');
  try {
    const header = Buffer.alloc(SECTOR);
    await fh.read(header, 0, SECTOR, 0);
    if (header.readUInt32LE(0) !== 0x564d444b) throw new KilnError(`${file}: not a sparse VMDK (no KDMV header)`);
    const offset = Number(header.readBigUInt64LE(28)) * SECTOR;
    const length = Number(header.readBigUInt64LE(36)) * SECTOR;
    if (offset === 0 || length === 0) throw new KilnError(`${file}: the VMDK has no embedded descriptor`);
    const area = Buffer.alloc(length);
    await fh.read(area, 0, length, offset);
    const end = area.indexOf(0);
    const text = area.toString('latin1', 0, end < 0 ? length : end);
    const cid = seededUuid('vmdk', seed, epoch).toString('hex').slice(0, 8);
    const out = Buffer.from(normalizeVmdkDescriptor(text, cid, basename(finalName)), 'latin1');
    if (out.length > length) throw new KilnError(`${file}: the normalised VMDK descriptor does not fit its ${length}-byte area`);
    const next = Buffer.alloc(length);
    out.copy(next);
    await fh.write(next, 0, length, offset);
  } finally {
    await fh.close();
  }
}
