// writeLvm(): puts every PV of a VG into an image file with plain node:fs writes (no lvm tools, no
// loop device, no device-mapper). Each PV region's first pe_start bytes are zeroed first, except
// sector 0 (it may hold a boot sector), so stale labels or metadata cannot confuse lvm's scan.
import { closeSync, fstatSync, openSync, writeSync } from 'node:fs';
import { KilnError } from '../../errors.js';
import type { Bytes } from '../../units.js';
import { encodePvWithText } from './encode.js';
import { formatVgMetadata, type VgTextOptions } from './metadata-text.js';
import { LVM_SECTOR_BYTES, type LvmVg } from './types.js';
import { assertLvmVg } from './validate.js';

/**
 * @param image a path (opened read-write, not created) or an fd open for writing
 * @param pvOffsetsBytes byte offset of each PV region (by LvmPv.name) in the image
 */
export function writeLvm(image: string | number, pvOffsetsBytes: Record<string, Bytes>, vg: LvmVg, opts: VgTextOptions = {}): void {
  assertLvmVg(vg);
  const text = Buffer.from(`${formatVgMetadata(vg, { ...opts, style: 'disk' })}\0`, 'utf8');
  const fd = typeof image === 'number' ? image : openSync(image, 'r+');
  try {
    const imageBytes = fstatSync(fd).size;
    for (const pv of vg.pvs) {
      const where = `lvm pv '${pv.name}'`;
      const offset = pvOffsetsBytes[pv.name];
      if (offset === undefined || !Number.isInteger(offset) || offset < 0 || offset % LVM_SECTOR_BYTES !== 0) {
        throw new KilnError(`no valid 512-aligned byte offset for pv '${pv.name}' (got ${offset})`, { where });
      }
      if (offset + pv.deviceBytes > imageBytes) {
        throw new KilnError(`pv region ${offset}+${pv.deviceBytes} ends past the image (${imageBytes} bytes)`, { where });
      }
      const zero = Buffer.alloc(pv.peStartSectors * LVM_SECTOR_BYTES - LVM_SECTOR_BYTES);
      writeAll(fd, zero, offset + LVM_SECTOR_BYTES);
      for (const w of encodePvWithText(pv, text, vg.name)) writeAll(fd, w.bytes, offset + w.lba * LVM_SECTOR_BYTES);
    }
  } finally {
    if (typeof image !== 'number') closeSync(fd);
  }
}

function writeAll(fd: number, buf: Buffer, position: number): void {
  let done = 0;
  while (done < buf.length) done += writeSync(fd, buf, done, buf.length - done, position + done);
}
