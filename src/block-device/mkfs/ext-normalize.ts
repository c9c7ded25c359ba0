/**
 * Reproducibility patch over an ext2/3/4 region: every libext2fs writer bumps
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
