/**
 * BlockDevicePlan: the pure, byte-exact result of planning a DIB block-device config. Plain JSON
 * (`kiln plan block-device --json` prints it; golden tests compare it). The executor applies it.
 * Units: `Bytes` (src/units.ts) for offsets and sizes in bytes; LBAs and sector counts are plain
 * numbers named as such, in sectors of `image.sectorSize` (MBR is always 512).
 */
import type { Bytes } from '../../units.js';

export type PartitionLabel = 'mbr' | 'gpt';
export type FsTypeName = 'ext2' | 'ext3' | 'ext4' | 'vfat' | 'fat' | 'xfs' | 'btrfs' | 'swap';
export type FstabBy = 'label' | 'uuid';

export interface ImagePlan {
  /** local_loop node name; DIB's file is <name>.raw */
  name: string;
  sizeBytes: Bytes;
  sectorSize: 512 | 4096;
  /** where the size came from */
  sizeFrom: 'config' | 'param' | 'measured';
  /** how a measured size was computed (absent when the size was given) */
  sizeReport?: ImageSizeReport;
}

export interface ImageSizeReport {
  treeKiB: number;
  /** tree/0.6, or tree + DIB_IMAGE_EXTRA_SIZE */
  scaledKiB: number;
  extraMiB?: number;
  /** 64 MiB ext4 journal allowance (DIB adds it for an ext4 root) */
  journalKiB: number;
  /** 525 MiB allowance when the layout has an EFI system partition (DIB: block-device-efi) */
  espKiB: number;
  /** total, rounded up to 64 KiB */
  totalKiB: number;
}

export interface PartitionPlan {
  name: string;
  /** 1-based; MBR logicals start at 5 */
  number: number;
  firstLba: number;
  /** inclusive */
  lastLba: number;
  sectors: number;
  offsetBytes: Bytes;
  sizeBytes: Bytes;
  flags: ('boot' | 'primary')[];
  /** MBR: type byte as '0x83'; GPT: type GUID (upper case) */
  type: string;
  /** GPT: the sgdisk code as configured ('EF00'...); MBR: absent */
  typeCode?: string;
  /** GPT unique partition GUID */
  uuid?: string;
  /** MBR: logical partition in the extended container, with its EBR here */
  logical?: boolean;
  ebrLba?: number;
  where: string;
}

export interface PartitionTablePlan {
  /** partitioning node name (`partitioning_<base>` when auto-named) */
  name: string;
  label: PartitionLabel;
  alignSectors: number;
  /** MBR: disk signature at offset 440 (hex string) */
  diskSignature?: string;
  /** GPT: disk GUID */
  diskGuid?: string;
  /** MBR: extended container (type 0x0f) when there are logical partitions */
  extended?: { number: number; firstLba: number; sectors: number };
  partitions: PartitionPlan[];
}

export interface ByteRange {
  offsetBytes: Bytes;
  sizeBytes: Bytes;
}

export interface LvmPvPlan extends ByteRange {
  name: string;
  /** the partition holding it */
  partition: string;
  vg: string;
  uuid: string;
  peStartBytes: Bytes;
  peCount: number;
}

export interface LvmSegmentPlan extends ByteRange {
  pv: string;
  startExtent: number;
  pvStartExtent: number;
  extentCount: number;
}

export interface LvmLvPlan {
  name: string;
  vg: string;
  uuid: string;
  extents: number;
  sizeBytes: Bytes;
  /** how the size was asked: '1800M' or '28%VG' */
  request: string;
  segments: LvmSegmentPlan[];
}

export interface LvmVgPlan {
  name: string;
  uuid: string;
  pvs: string[];
  extentBytes: Bytes;
  extentCount: number;
  freeExtents: number;
}

export interface LvmPlan {
  /** lvm node name */
  name: string;
  pvs: LvmPvPlan[];
  vgs: LvmVgPlan[];
  lvs: LvmLvPlan[];
}

export interface FilesystemPlan {
  /** mkfs node name */
  name: string;
  type: FsTypeName;
  label: string;
  uuid: string;
  opts: string[];
  /** what it sits on: the image, a partition or an LV */
  device: { kind: 'image' | 'partition' | 'lv'; name: string };
  /** byte ranges in the image, in filesystem order; one range unless on a spanned LV */
  extents: ByteRange[];
  offsetBytes: Bytes;
  sizeBytes: Bytes;
  mountPoint?: string;
  where: string;
}

export interface MountPlan {
  name: string;
  mountPoint: string;
  filesystem: string;
}

export interface FstabLine {
  spec: string;
  mountPoint: string;
  type: string;
  options: string;
  dumpFreq: number;
  passno: number;
}

export interface BlockDevicePlan {
  version: 1;
  /** config file (or 'DIB_BLOCK_DEVICE_CONFIG', 'fallback') */
  source: string;
  image: ImagePlan;
  partitionTables: PartitionTablePlan[];
  lvm: LvmPlan[];
  filesystems: FilesystemPlan[];
  /** DIB mount order: parents before children, 'none' (swap) last */
  mounts: MountPlan[];
  fstab: FstabLine[];
  /** DIB's create() call order (topological sort of the node graph) */
  callOrder: string[];
  warnings: string[];
}
