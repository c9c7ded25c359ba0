/**
 * Input of the pure partition-table encoders (encode-mbr.ts, encode-gpt.ts): (table) -> SectorWrite[];
 * the executor writes each `bytes` at `lba * sectorSize`. plan-mbr.ts / plan-gpt.ts map a planned
 * table onto these. All positions are LBAs and counts are sectors.
 */

export interface MbrEntry {
  bootable: boolean;
  /** partition type byte, e.g. 0x83 Linux, 0x0f extended (LBA), 0x05 EBR link */
  type: number;
  /** absolute LBA (512-byte sectors) */
  startLba: number;
  sectors: number;
}

export interface MbrTable {
  /** u32 at offset 440 of LBA 0 */
  diskSignature: number;
  /** up to 4 slots; the extended container is an entry of type 0x0f */
  primaries: (MbrEntry | null)[];
  /** absolute LBAs; EBR links are written relative to the container start */
  logicals: { ebrLba: number; entry: MbrEntry }[];
  /** start of the extended container; defaults to the 0x0f/0x05/0x85 primary entry's start */
  extendedStartLba?: number;
}

export interface GptEntry {
  typeGuid: string;
  uniqueGuid: string;
  firstLba: number;
  /** inclusive */
  lastLba: number;
  /** bit 0 required, bit 2 legacy BIOS bootable, 48-63 type specific */
  attributes: bigint;
  /** at most 36 UTF-16 code units */
  name: string;
}

export interface GptTable {
  diskGuid: string;
  totalSectors: number;
  sectorSize: 512 | 4096;
  entries: GptEntry[];
}
