/**
 * Image size when none is given, as disk-image-create computes it (lib/disk-image-create): the
 * tree's du size in KiB, divided by 0.6 (or plus DIB_IMAGE_EXTRA_SIZE MiB), plus a 64 MiB journal
 * allowance for an ext4 root, plus 525 MiB when the layout has an EFI system partition (DIB tests
 * for the block-device-efi element), rounded UP to a multiple of 64 KiB (qemu-img compression bug).
 * The tree is measured by the caller (measureTree() in mount/tree.ts); this stays pure.
 */
import type { ImageSizeReport } from '../common/plan-types.js';

export interface ImageSizeInput {
  /** `du -s -x -k` of the tree: allocated KiB (apparent size plus block overhead) */
  treeKiB: number;
  /** DIB_IMAGE_EXTRA_SIZE in MiB */
  extraMiB?: number;
  /** DIB_JOURNAL_SIZE in MiB (default 64), counted only for an ext4 root */
  journalMiB?: number;
  ext4Root: boolean;
  hasEsp: boolean;
}

export function planImageSize(i: ImageSizeInput): ImageSizeReport {
  const scaledKiB = i.extraMiB !== undefined ? Math.trunc(i.treeKiB + i.extraMiB * 1024) : Math.trunc(i.treeKiB / 0.6);
  const journalKiB = i.ext4Root ? (i.journalMiB ?? 64) * 1024 : 0;
  const espKiB = i.hasEsp ? 525 * 1024 : 0;
  const sum = scaledKiB + journalKiB + espKiB;
  const totalKiB = sum % 64 === 0 ? sum : sum + 64 - (sum % 64);
  const r: ImageSizeReport = { treeKiB: i.treeKiB, scaledKiB, journalKiB, espKiB, totalKiB };
  if (i.extraMiB !== undefined) r.extraMiB = i.extraMiB;
  return r;
}
