/**
 * What the bootloader step needs to know about a planned disk (the fields of src/bootloader's
 * BootTarget that come from the layout): table label, BIOS boot partition (GPT EF02), first
 * partition LBA (MBR: GRUB's core goes in the gap before it), the ESP's byte range, root and /boot
 * filesystem UUIDs. Pure.
 */
import type { BlockDevicePlan } from './common/plan-types.js';

const BIOS_BOOT = '21686148-6449-6E6F-744E-656564454649';
const ESP = 'C12A7328-F81F-11D2-BA4B-00A0C93EC93B';

export interface BootInfo {
  label: 'mbr' | 'gpt' | 'none';
  sectorSize: number;
  biosBootPartition?: { startLba: number; sectors: number };
  firstPartitionLba?: number;
  esp?: { offsetBytes: number; sizeBytes: number };
  rootFsUuid?: string;
  bootFsUuid?: string;
}

export function planBootInfo(plan: BlockDevicePlan): BootInfo {
  const t = plan.partitionTables[0];
  const info: BootInfo = { label: t ? t.label : 'none', sectorSize: t?.label === 'mbr' ? 512 : plan.image.sectorSize };
  if (t) {
    const first = Math.min(...t.partitions.map((p) => p.firstLba), t.extended?.firstLba ?? Infinity);
    if (Number.isFinite(first)) info.firstPartitionLba = first;
    const bios = t.label === 'gpt' ? t.partitions.find((p) => p.type.toUpperCase() === BIOS_BOOT) : undefined;
    if (bios) info.biosBootPartition = { startLba: bios.firstLba, sectors: bios.sectors };
  }
  const byMount = (mp: string) => plan.filesystems.find((f) => f.mountPoint === mp);
  const espPart = t?.partitions.find((p) => (t.label === 'gpt' ? p.type.toUpperCase() === ESP : p.type === '0xef'));
  const espFs = byMount('/boot/efi') ?? plan.filesystems.find((f) => espPart && f.device.kind === 'partition' && f.device.name === espPart.name);
  if (espFs && (espFs.type === 'vfat' || espFs.type === 'fat')) info.esp = { offsetBytes: espFs.offsetBytes, sizeBytes: espFs.sizeBytes };
  const root = byMount('/');
  if (root) info.rootFsUuid = root.uuid;
  const boot = byMount('/boot');
  if (boot) info.bootFsUuid = boot.uuid;
  return info;
}
