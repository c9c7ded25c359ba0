/** Apply SectorWrites to an image file (the one impure helper here; used by tests and the executor). */
import { openSync, writeSync, closeSync } from 'node:fs';
import type { SectorWrite } from './types.js';

export function writeSectors(image: string, sectorSize: number, writes: SectorWrite[]): void {
  const fd = openSync(image, 'r+');
  try {
    for (const w of writes) writeSync(fd, w.bytes, 0, w.bytes.length, w.lba * sectorSize);
  } finally {
    closeSync(fd);
  }
}
