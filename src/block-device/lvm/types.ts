// Input of the LVM2 on-disk encoder (encode.ts). The planner (plan.ts) decides every extent and
// execute.ts maps its plan into these types; the encoder only turns them into bytes.
// Units follow lvm2's text metadata (lib/format_text/export.c): sizes in 512-byte sectors, positions in
// extents; a PV's size is a `Bytes` (src/units.ts). See docs/lvm.md.

import type { Bytes } from '../../units.js';

/** lvm2 always counts metadata sizes in 512-byte sectors, whatever the device's logical block size. */
export const LVM_SECTOR_BYTES = 512;
/** lvm2's default extent size (4 MiB), `vgcreate -s` default. */
export const LVM_DEFAULT_EXTENT_SECTORS = 8192;
/** lvm2's default first-extent offset (1 MiB), `pvcreate --dataalignment` default. */
export const LVM_DEFAULT_PE_START_SECTORS = 2048;

/** One physical volume: a region (partition) of the image that starts with an LVM2 label. */
export interface LvmPv {
  /** The planner's name for this PV (DIB `pvs[].name`); segments and writeLvm() offsets refer to it.
   *  The text metadata names PVs pv0, pv1... in VG order, as lvm2 does (export.c _build_pv_names). */
  name: string;
  /** 32 chars of [0-9A-Za-z], no dashes (see ids.ts lvmId()). */
  uuid: string;
  /** Size of the PV region in bytes (the partition size); a multiple of 512. */
  deviceBytes: Bytes;
  /** Offset of the first extent from the PV start, in sectors; 2048 (1 MiB). */
  peStartSectors: number;
  /** Usable extents: floor((deviceBytes/512 - peStartSectors) / extentSizeSectors) at most. */
  peCount: number;
  /** `device = "..."` hint in the metadata, e.g. "/dev/vda2"; lvm only uses it as a hint. */
  deviceHint: string;
}

/** A linear piece of an LV: LV extents [startExtent, startExtent+extentCount) live on `pv` from `pvStartExtent`. */
export interface LvmSegment {
  /** LV-relative first extent; segments are contiguous and sorted (0, then previous start+count). */
  startExtent: number;
  extentCount: number;
  /** An LvmPv.name of the same VG. */
  pv: string;
  /** PV-relative first extent. */
  pvStartExtent: number;
}

/** A linear (possibly spanned, multi-segment) logical volume. Thin pools are not supported yet. */
export interface LvmLv {
  name: string;
  /** 32 chars of [0-9A-Za-z]. */
  uuid: string;
  segments: LvmSegment[];
}

export interface LvmVg {
  name: string;
  /** 32 chars of [0-9A-Za-z]. */
  uuid: string;
  /** Metadata sequence number; 1 is fine for a freshly written VG. */
  seqno: number;
  /** Extent size in sectors; 8192 (4 MiB). */
  extentSizeSectors: number;
  pvs: LvmPv[];
  lvs: LvmLv[];
  /** `creation_host` of the VG text and of every LV, e.g. "kiln". */
  creationHost: string;
  /** Unix seconds (SOURCE_DATE_EPOCH) for `creation_time`; keeps the bytes reproducible. */
  creationTime: number;
}

/** Extents lvm2 itself would give a PV of `deviceBytes` (pvcreate: (dev_size - pe_start) / extent_size). */
export function lvmPeCount(deviceBytes: number, peStartSectors = LVM_DEFAULT_PE_START_SECTORS, extentSizeSectors = LVM_DEFAULT_EXTENT_SECTORS): number {
  const sectors = Math.floor(deviceBytes / LVM_SECTOR_BYTES);
  return Math.max(0, Math.floor((sectors - peStartSectors) / extentSizeSectors));
}
