/**
 * GRUB for BIOS written as bytes: what `grub-bios-setup` does to a disk, without a device.
 * Offsets are GRUB 2.06 `include/grub/i386/pc/boot.h` and `util/setup.c`; docs/bootloader.md lists
 * every byte we change and why.
 */
import { KilnError } from '../errors.js';

export const SECTOR = 512;
/** boot.img: u64 LBA of core.img's first sector (GRUB_BOOT_MACHINE_KERNEL_SECTOR) */
const KERNEL_SECTOR = 0x5c;
/** boot.img: drive number, 0xFF = use %dl from the BIOS (GRUB_BOOT_MACHINE_BOOT_DRIVE) */
const BOOT_DRIVE = 0x64;
/** boot.img: `jmp 3f` that grub-setup replaces with two NOPs for hard disks (DRIVE_CHECK) */
const DRIVE_CHECK = 0x66;
/** sector 0 ranges kept from the disk: the BPB, and disk signature + partition table */
const KEEP_BPB: [number, number] = [0x03, 0x5a];
const KEEP_TABLE: [number, number] = [0x1b8, 0x1fe];
/** diskboot.img (core.img sector 0): blocklist entries {u64 start; u16 len; u16 segment} grow down from 0x200 */
const BLOCKLIST0 = 0x1f4;
const BLOCKLIST1 = 0x1e8;
const BLOCKLIST_ENTRY = 12;
/** load segment of core.img's second sector: 0x8200 >> 4 (GRUB_BOOT_I386_PC_KERNEL_SEG + 0x20) */
const CORE_SEGMENT = 0x0820;
/** real-mode load limit grub-setup enforces: (0x78000 - GRUB_KERNEL_I386_PC_LINK_ADDR 0x9000) / 512 = 888 */
export const MAX_CORE_SECTORS = (0x78000 - 0x9000) / SECTOR;

/** boot.img over sector 0, keeping the BPB area and the partition table that are on disk. */
export function patchBootImg(bootImg: Buffer, existingSector0: Buffer, coreLba: number): Buffer {
  if (bootImg.length !== SECTOR || bootImg.readUInt16LE(0x1fe) !== 0xaa55) {
    throw new KilnError(`boot.img is ${bootImg.length} bytes without the 55 AA signature; expected GRUB's 512-byte i386-pc boot.img`, {
      hint: 'check the GRUB module directory (grub-pc-bin provides /usr/lib/grub/i386-pc/boot.img)',
    });
  }
  if (existingSector0.length < SECTOR) throw new KilnError(`sector 0 is ${existingSector0.length} bytes, expected ${SECTOR}`);
  const out = Buffer.from(bootImg);
  for (const [from, to] of [KEEP_BPB, KEEP_TABLE]) existingSector0.copy(out, from, from, to);
  out.writeBigUInt64LE(BigInt(coreLba), KERNEL_SECTOR);
  out[BOOT_DRIVE] = 0xff;
  out[DRIVE_CHECK] = 0x90;
  out[DRIVE_CHECK + 1] = 0x90;
  out.writeUInt16LE(0xaa55, 0x1fe);
  return out;
}

/** core.img padded to whole sectors with its one blocklist pointing at the sectors after the first. */
export function patchCoreImg(core: Buffer, coreLba: number, sectorSize = SECTOR): Buffer {
  if (sectorSize !== SECTOR) {
    throw new KilnError(`GRUB BIOS boot needs 512-byte sectors, the disk has ${sectorSize}-byte sectors`, {
      hint: 'use UEFI boot (an ESP) for 4K-sector disks',
    });
  }
  const sectors = Math.ceil(core.length / SECTOR);
  if (sectors < 2) throw new KilnError(`core.img is only ${core.length} bytes; expected diskboot.img plus the GRUB kernel`);
  if (sectors > MAX_CORE_SECTORS) {
    throw new KilnError(`core.img is ${sectors} sectors, more than the ${MAX_CORE_SECTORS} GRUB can load in real mode`, {
      hint: 'embed fewer GRUB modules (drop file systems the image does not use)',
    });
  }
  const out = Buffer.alloc(sectors * SECTOR);
  core.copy(out);
  out.fill(0, BLOCKLIST1, BLOCKLIST1 + BLOCKLIST_ENTRY); // terminator: core is contiguous
  out.writeBigUInt64LE(BigInt(coreLba + 1), BLOCKLIST0);
  out.writeUInt16LE(sectors - 1, BLOCKLIST0 + 8);
  out.writeUInt16LE(CORE_SEGMENT, BLOCKLIST0 + 10);
  return out;
}

export interface EmbedArea {
  startLba: number;
  sectors: number;
  /** what the area is, for messages: "the gap before partition 1", "BIOS boot partition" */
  what: string;
}

/** Where core.img goes: the gap before the first partition (MBR) or the EF02 partition (GPT). */
export function planEmbedArea(t: {
  label: 'mbr' | 'gpt' | 'none';
  firstPartitionLba?: number;
  biosBootPartition?: { startLba: number; sectors: number };
}): EmbedArea {
  if (t.label === 'gpt') {
    if (!t.biosBootPartition) {
      throw new KilnError('BIOS boot on a GPT disk needs a BIOS boot partition (type EF02) for GRUB core.img', {
        hint: "add a 1 MiB partition with type 'EF02' to the block-device layout, or boot with UEFI only",
      });
    }
    return { ...t.biosBootPartition, what: 'the BIOS boot partition' };
  }
  if (t.label === 'mbr') {
    const first = t.firstPartitionLba ?? 2048;
    return { startLba: 1, sectors: first - 1, what: `the gap before the first partition (LBA 1-${first - 1})` };
  }
  throw new KilnError('BIOS boot needs a partitioned disk (MBR or GPT); this image has no partition table', {
    hint: 'use a block-device layout with partitions',
  });
}

export function checkCoreFits(coreSectors: number, area: EmbedArea): void {
  if (coreSectors > area.sectors) {
    throw new KilnError(`GRUB core.img (${coreSectors} sectors) does not fit ${area.what} (${area.sectors} sectors)`, {
      hint: 'start the first partition at 1 MiB (LBA 2048) or enlarge the BIOS boot partition to 1 MiB',
    });
  }
}
