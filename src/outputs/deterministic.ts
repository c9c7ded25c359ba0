/**
 * qemu-img stamps the disk formats with the wall clock and random ids: the VHD footer's timestamp
 * and unique id, the VMDK descriptor's CID (and the name of the file it was written to, a
 * temporary name here). These are rewritten in place from the build's epoch and a seed, so the
 * same raw image gives the same bytes; VHDX's write and disk GUIDs likewise. Nothing else in those
 * files varies (tested).
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

const CRC32C_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    t[i] = c >>> 0;
  }
  return t;
})();

/** CRC-32C (Castagnoli), the checksum of VHDX headers, region tables and log entries. */
export function crc32c(buf: Buffer): number {
  let c = 0xffffffff;
  for (const b of buf) c = CRC32C_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** A checksummed VHDX structure: checksum at 4 is the CRC-32C of the structure with it zeroed. */
function resum(buf: Buffer): void {
  buf.writeUInt32LE(0, 4);
  buf.writeUInt32LE(crc32c(buf), 4);
}

/** A GUID as VHDX stores it (the first three fields little-endian). */
export function guidBytes(text: string): Buffer {
  const h = text.replace(/-/g, '');
  const b = Buffer.from(h, 'hex');
  return Buffer.concat([
    Buffer.from(b.subarray(0, 4)).reverse(),
    Buffer.from(b.subarray(4, 6)).reverse(),
    Buffer.from(b.subarray(6, 8)).reverse(),
    b.subarray(8),
  ]);
}

const KiB64 = 64 * 1024;
const METADATA_REGION = guidBytes('8B7CA206-4790-4B9A-B8FE-575F050F886E');
const PAGE83_ITEM = guidBytes('BECA12AB-B2E6-4523-93EF-C309E000C746');

/**
 * Rewrite a VHDX's random ids (Microsoft's VHDX specification): in both headers (at 64 and 128 KiB)
 * the FileWriteGuid and DataWriteGuid and the sequence numbers (kept in the same order), and the
 * Page 83 data (the disk's id) in the metadata region; checksums follow. The empty log is zeroed.
 */
export async function normalizeVhdx(file: string, epoch: number, seed: string): Promise<void> {
  const fh = await open(file, 'r+');
  const read = async (at: number, n: number): Promise<Buffer> => {
    const b = Buffer.alloc(n);
    await fh.read(b, 0, n, at);
    return b;
  };
  try {
    if ((await read(0, 8)).toString('latin1') !== 'vhdxfile') throw new KilnError(`${file}: not a VHDX file`);
    const headers = [await read(KiB64, 4096), await read(2 * KiB64, 4096)];
    if (!headers.every((h) => h.toString('latin1', 0, 4) === 'head')) throw new KilnError(`${file}: a VHDX header is missing`);
    const newer = headers[0]!.readBigUInt64LE(8) >= headers[1]!.readBigUInt64LE(8) ? 0 : 1;
    for (const [i, h] of headers.entries()) {
      h.writeBigUInt64LE(i === newer ? 2n : 1n, 8);
      seededUuid('vhdx-file', seed, epoch).copy(h, 16);
      seededUuid('vhdx-data', seed, epoch).copy(h, 32);
      resum(h);
      await fh.write(h, 0, h.length, (i + 1) * KiB64);
    }
    // The log: qemu-img writes each BAT update through it, and which updates a page holds depends
    // on the timing of its writes (under load two conversions of one raw image differ there). With
    // the headers' LogGuid zero the log is empty and must not be replayed (the specification), so
    // its bytes mean nothing: they are zeroed. A log still to replay is left as it is.
    const current = headers[newer]!;
    if (current.subarray(48, 64).every((b) => b === 0)) {
      const logOffset = Number(current.readBigUInt64LE(72));
      const logLength = current.readUInt32LE(68);
      const zeros = Buffer.alloc(Math.min(logLength, 1 << 20));
      for (let at = 0; at < logLength; at += zeros.length) await fh.write(zeros, 0, Math.min(zeros.length, logLength - at), logOffset + at);
    }
    // the region table (at 192 KiB; its copy at 256 KiB names the same regions)
    const table = await read(3 * KiB64, KiB64);
    if (table.toString('latin1', 0, 4) !== 'regi') throw new KilnError(`${file}: the VHDX region table is missing`);
    for (let e = 0; e < table.readUInt32LE(8); e++) {
      const entry = table.subarray(16 + e * 32, 48 + e * 32);
      if (!entry.subarray(0, 16).equals(METADATA_REGION)) continue;
      const region = Number(entry.readBigUInt64LE(16));
      const meta = await read(region, KiB64);
      for (let m = 0; m < meta.readUInt16LE(10); m++) {
        const item = meta.subarray(32 + m * 32, 64 + m * 32);
        if (item.subarray(0, 16).equals(PAGE83_ITEM)) await fh.write(seededUuid('vhdx-disk', seed, epoch), 0, 16, region + item.readUInt32LE(16));
      }
    }
  } finally {
    await fh.close();
  }
}
