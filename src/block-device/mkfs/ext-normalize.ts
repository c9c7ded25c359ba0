/**
 * Reproducibility patches over an ext2/3/4 region made by mke2fs -d.
 *
 * Superblocks: every libext2fs writer bumps
 * s_kbytes_written (superblock +0x178, u64), which depends on how much was written. Zero it in the
 * primary and every backup superblock, and recompute s_checksum (+0x3FC) when metadata_csum is on:
 * crc32c_le(~0, sb[0..0x3FC)) with no final inversion (e2fsprogs ext2fs_superblock_csum).
 */
import { closeSync, openSync, readSync, writeSync } from 'node:fs';
import { crc32cRaw } from '../common/crc32.js';

const SB_SIZE = 1024;
const MAGIC = 0xef53;
const RO_COMPAT_SPARSE_SUPER = 0x1;
const RO_COMPAT_METADATA_CSUM = 0x400;
const COMPAT_SPARSE_SUPER2 = 0x200;
const INCOMPAT_64BIT = 0x80;

function isPowerOf(n: number, b: number): boolean {
  if (n < 1) return false;
  while (n % b === 0) n /= b;
  return n === 1;
}

/** Groups holding a superblock copy (ext4 disk layout: "Redundant Superblocks"). */
export function superblockGroups(groups: number, sparse: boolean, sparse2?: [number, number]): number[] {
  if (sparse2) return [0, ...sparse2.filter((g) => g > 0 && g < groups)];
  const out: number[] = [];
  for (let g = 0; g < groups; g++) if (!sparse || g <= 1 || isPowerOf(g, 3) || isPowerOf(g, 5) || isPowerOf(g, 7)) out.push(g);
  return out;
}

/** Returns how many superblocks were patched. */
export function normalizeExtSuperblocks(image: string, offset: number): number {
  const fd = openSync(image, 'r+');
  try {
    const sb = Buffer.alloc(SB_SIZE);
    readSync(fd, sb, 0, SB_SIZE, offset + 1024);
    if (sb.readUInt16LE(0x38) !== MAGIC) return 0;
    const blockSize = 1024 << sb.readUInt32LE(0x18);
    const firstData = sb.readUInt32LE(0x14);
    const perGroup = sb.readUInt32LE(0x20);
    const incompat = sb.readUInt32LE(0x60);
    const blocks = sb.readUInt32LE(0x04) + (incompat & INCOMPAT_64BIT ? sb.readUInt32LE(0x150) * 2 ** 32 : 0);
    const groups = Math.ceil((blocks - firstData) / perGroup);
    const roCompat = sb.readUInt32LE(0x64);
    const sparse2 = sb.readUInt32LE(0x5c) & COMPAT_SPARSE_SUPER2 ? ([sb.readUInt32LE(0x24c), sb.readUInt32LE(0x250)] as [number, number]) : undefined;
    let patched = 0;
    for (const g of superblockGroups(groups, (roCompat & RO_COMPAT_SPARSE_SUPER) !== 0, sparse2)) {
      const at = offset + (g === 0 ? 1024 : (g * perGroup + firstData) * blockSize);
      readSync(fd, sb, 0, SB_SIZE, at);
      if (sb.readUInt16LE(0x38) !== MAGIC || sb.readUInt16LE(0x5a) !== g) continue;
      sb.writeBigUInt64LE(0n, 0x178);
      if (roCompat & RO_COMPAT_METADATA_CSUM) sb.writeUInt32LE(crc32cRaw(0xffffffff, sb.subarray(0, 0x3fc)), 0x3fc);
      writeSync(fd, sb, 0, SB_SIZE, at);
      patched++;
    }
    return patched;
  } finally {
    closeSync(fd);
  }
}

// --- inode times -----------------------------------------------------------------------------------
// mke2fs -d copies each source file's atime, ctime and mtime, and stamps crtime with the build's clock
// where E2FSPROGS_FAKE_TIME does not reach. A tree made twice differs in all of them, so every used
// inode's times are clamped to the epoch (the reproducible-builds.org rule for SOURCE_DATE_EPOCH: a
// time later than the epoch becomes the epoch; an earlier one, e.g. a packaged file's mtime, stays).
// Offsets are the ext4 on-disk format's (struct ext2_inode_large, struct ext4_group_desc).

const INCOMPAT_META_BG = 0x10;
const RO_COMPAT_GDT_CSUM = 0x10;
const BG_INODE_UNINIT = 0x1;
const GOOD_OLD_INODE_SIZE = 128;

/** [seconds field, its *_extra field or -1] in inode order: atime, ctime, mtime, crtime. */
const TIME_FIELDS: [number, number][] = [
  [0x08, 0x8c],
  [0x0c, 0x84],
  [0x10, 0x88],
  [0x90, 0x94],
];

function signed32(v: number): number {
  return v | 0;
}

/** Seconds and nanoseconds of one inode time; `extra` is the *_extra word when the inode has it. */
export function decodeExtTime(lo: number, extra: number | undefined): { sec: number; nsec: number } {
  if (extra === undefined) return { sec: signed32(lo), nsec: 0 };
  return { sec: signed32(lo) + (extra & 3) * 2 ** 32, nsec: extra >>> 2 };
}

/** The seconds word and the *_extra word (epoch bits, no nanoseconds) for `sec`. */
export function encodeExtTime(sec: number): { lo: number; extra: number } {
  const lo = ((sec % 2 ** 32) + 2 ** 32) % 2 ** 32;
  return { lo, extra: ((sec - signed32(lo)) / 2 ** 32) & 3 };
}

/**
 * Clamps one inode's times to `epoch` in place; true when something changed. `inodeSize` is the
 * superblock's s_inode_size: the *_extra words and crtime exist only where i_extra_isize covers them.
 */
export function clampInodeTimes(inode: Buffer, inodeSize: number, epoch: number): boolean {
  const extraIsize = inodeSize > GOOD_OLD_INODE_SIZE ? inode.readUInt16LE(0x80) : 0;
  const covered = (off: number): boolean => off < GOOD_OLD_INODE_SIZE || off + 4 <= GOOD_OLD_INODE_SIZE + extraIsize;
  let changed = false;
  for (const [secAt, extraAt] of TIME_FIELDS) {
    if (!covered(secAt)) continue;
    const hasExtra = covered(extraAt);
    const t = decodeExtTime(inode.readUInt32LE(secAt), hasExtra ? inode.readUInt32LE(extraAt) : undefined);
    if (t.sec < epoch || (t.sec === epoch && t.nsec === 0)) continue;
    const e = encodeExtTime(epoch);
    inode.writeUInt32LE(e.lo, secAt);
    if (hasExtra) inode.writeUInt32LE(e.extra, extraAt);
    changed = true;
  }
  return changed;
}

/** metadata_csum inode checksum (e2fsprogs ext2fs_inode_csum_set): lo 16 bits at 0x7C, hi at 0x82. */
export function setInodeChecksum(inode: Buffer, inodeSize: number, inum: number, csumSeed: number): void {
  const hasHi = inodeSize > GOOD_OLD_INODE_SIZE && inode.readUInt16LE(0x80) >= 4;
  inode.writeUInt16LE(0, 0x7c);
  if (hasHi) inode.writeUInt16LE(0, 0x82);
  const head = Buffer.alloc(8);
  head.writeUInt32LE(inum, 0);
  head.writeUInt32LE(inode.readUInt32LE(0x64), 4); // i_generation
  const crc = crc32cRaw(crc32cRaw(csumSeed, head), inode.subarray(0, inodeSize));
  inode.writeUInt16LE(crc & 0xffff, 0x7c);
  if (hasHi) inode.writeUInt16LE(crc >>> 16, 0x82);
}

/** Byte offset (in the filesystem) of group g's descriptor. */
export function descriptorOffset(sb: Buffer, g: number, blockSize: number, descSize: number, groups: number): number {
  const firstData = sb.readUInt32LE(0x14);
  const perBlock = blockSize / descSize;
  const metaBg = (sb.readUInt32LE(0x60) & INCOMPAT_META_BG) !== 0;
  const firstMetaBg = sb.readUInt32LE(0x104);
  if (!metaBg || Math.floor(g / perBlock) < firstMetaBg) return (firstData + 1) * blockSize + g * descSize;
  // meta_bg: each run of perBlock groups keeps its descriptor block in its first group, after a superblock copy
  const first = Math.floor(g / perBlock) * perBlock;
  const roCompat = sb.readUInt32LE(0x64);
  const sparse2 = sb.readUInt32LE(0x5c) & COMPAT_SPARSE_SUPER2 ? ([sb.readUInt32LE(0x24c), sb.readUInt32LE(0x250)] as [number, number]) : undefined;
  const hasSuper = superblockGroups(groups, (roCompat & RO_COMPAT_SPARSE_SUPER) !== 0, sparse2).includes(first);
  const perGroup = sb.readUInt32LE(0x20);
  return (first * perGroup + firstData + (hasSuper ? 1 : 0)) * blockSize + (g - first) * descSize;
}

/**
 * Clamps the times of every used inode of the ext2/3/4 filesystem at `offset` to `epoch` and
 * recomputes the inode checksums (metadata_csum). Returns how many inodes changed.
 */
export function clampExtInodeTimes(image: string, offset: number, epoch: number): number {
  const fd = openSync(image, 'r+');
  try {
    const sb = Buffer.alloc(SB_SIZE);
    readSync(fd, sb, 0, SB_SIZE, offset + 1024);
    if (sb.readUInt16LE(0x38) !== MAGIC) return 0;
    const blockSize = 1024 << sb.readUInt32LE(0x18);
    const incompat = sb.readUInt32LE(0x60);
    const roCompat = sb.readUInt32LE(0x64);
    const is64 = (incompat & INCOMPAT_64BIT) !== 0;
    const descSize = is64 ? sb.readUInt16LE(0xfe) : 32;
    const inodeSize = sb.readUInt32LE(0x4c) >= 1 ? sb.readUInt16LE(0x58) : GOOD_OLD_INODE_SIZE;
    const perGroup = sb.readUInt32LE(0x28);
    const groups = Math.ceil(sb.readUInt32LE(0x00) / perGroup);
    const csum = (roCompat & RO_COMPAT_METADATA_CSUM) !== 0;
    const uninitKnown = csum || (roCompat & RO_COMPAT_GDT_CSUM) !== 0;
    const csumSeed = crc32cRaw(0xffffffff, sb.subarray(0x68, 0x78)); // mke2fs runs with ^metadata_csum_seed
    const desc = Buffer.alloc(descSize);
    let changed = 0;
    for (let g = 0; g < groups; g++) {
      readSync(fd, desc, 0, descSize, offset + descriptorOffset(sb, g, blockSize, descSize, groups));
      const flags = desc.readUInt16LE(0x12);
      if (uninitKnown && flags & BG_INODE_UNINIT) continue;
      const unused = uninitKnown ? desc.readUInt16LE(0x1c) + (descSize >= 64 ? desc.readUInt16LE(0x32) * 65536 : 0) : 0;
      const used = perGroup - unused;
      if (used <= 0) continue;
      const table = desc.readUInt32LE(0x08) + (descSize >= 64 ? desc.readUInt32LE(0x28) * 2 ** 32 : 0);
      const buf = Buffer.alloc(used * inodeSize);
      const at = offset + table * blockSize;
      readSync(fd, buf, 0, buf.length, at);
      let dirty = false;
      for (let i = 0; i < used; i++) {
        const inode = buf.subarray(i * inodeSize, (i + 1) * inodeSize);
        if (inode.readUInt16LE(0x00) === 0 && inode.readUInt16LE(0x1a) === 0) continue; // free: no mode, no links
        if (!clampInodeTimes(inode, inodeSize, epoch)) continue;
        if (csum) setInodeChecksum(inode, inodeSize, g * perGroup + i + 1, csumSeed);
        dirty = true;
        changed++;
      }
      if (dirty) writeSync(fd, buf, 0, buf.length, at);
    }
    return changed;
  } finally {
    closeSync(fd);
  }
}
