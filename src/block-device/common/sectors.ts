/**
 * What the pure encoders (partition tables, LVM labels) return, and the one impure helper that
 * applies it to an image file (used by the executor and the tests).
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { bytes, type Bytes } from '../../units.js';

/** Bytes to put at sector `lba`; bytes.length is a multiple of the sector size. */
export interface SectorWrite {
  lba: number;
  bytes: Buffer;
}

export function writeSectors(image: string, sectorSize: number, writes: SectorWrite[]): void {
  const fd = openSync(image, 'r+');
  try {
    for (const w of writes) writeSync(fd, w.bytes, 0, w.bytes.length, w.lba * sectorSize);
  } finally {
    closeSync(fd);
  }
}

/**
 * The bytes of `sectors` sectors. A partition planned after one that did not fit (a problem already
 * reported, so the plan is never used) can have a negative count: it is 0 bytes.
 */
export function sectorBytes(sectors: number, sectorSize: number): Bytes {
  return bytes(Math.max(0, sectors) * sectorSize);
}
