/**
 * What mkfs.btrfs --rootdir leaves to chance, made a function of the inputs (btrfs-progs 6.2 has no
 * option for these): the device UUID and the chunk tree UUID (random), each subvolume's UUID (random,
 * also a key of the UUID tree), and times ("now" for the root tree's directory and the root items;
 * the source's atime/ctime for the tree's inodes). The UUIDs are derived from the filesystem's seed and
 * every inode and root item time is clamped to SOURCE_DATE_EPOCH, as for ext and xfs.
 *
 * On-disk format (btrfs-progs kernel-shared/ctree.h, fs/btrfs/accessors.h): every tree block starts
 * with a 101-byte header (csum[32], fsid[16], bytenr u64 @0x30, flags, chunk_tree_uuid[16] @0x40,
 * generation, owner u64 @0x58, nritems u32 @0x60, level u8 @0x64); a leaf's items follow (key: objectid
 * u64, type u8, offset u64; data offset u32 and size u32 relative to the end of the header). The
 * checksum (crc32c here) covers bytes 32.. of the block and of the 4 KiB superblock copies.
 *
 * Every block of the metadata and system chunks that is a tree block of this filesystem (its header
 * names its own logical address and the fsid, its checksum holds) is rewritten, including blocks that
 * mkfs freed again: they stay in the file, so they must not vary either. Single and DUP chunks only
 * (a one-device filesystem has no other).
 */
import { closeSync, fstatSync, openSync, readSync, writeSync } from 'node:fs';
import { crc32c } from '../common/crc32.js';
import { deriveGuid } from '../common/guid.js';

const SUPER_OFFSETS = [0x10000, 0x4000000, 0x4000000000];
const SUPER_SIZE = 4096;
const MAGIC = Buffer.from('_BHRfS_M');
const HEADER = 101;
/** btrfs keeps the device's first MiB for itself (BTRFS_BLOCK_RESERVED_1M_FOR_SUPER) */
const RESERVED = 0x100000;
const SECTOR = 4096;
const ITEM = 25;
const KEY_PTR = 33;
const CHUNK_ITEM_KEY = 228;
const INODE_ITEM_KEY = 1;
const ROOT_ITEM_KEY = 132;
const XATTR_ITEM_KEY = 24;
const DIR_ITEM_KEY = 84;
const DIR_INDEX_KEY = 96;
/** btrfs_dir_item: location key (17 bytes), transid u64, data_len u16, name_len u16, type u8; name, data */
const DIR_ITEM = 30;
const UUID_KEY_SUBVOL = 251;
const UUID_KEY_RECEIVED_SUBVOL = 252;
const UUID_TREE_OBJECTID = 9n;
const EXTENT_TREE_OBJECTID = 2n;
const EXTENT_ITEM_KEY = 168;
const BLOCK_GROUP_DATA = 1n;
const BLOCK_GROUP_SYSTEM = 2n;
const BLOCK_GROUP_METADATA = 4n;
const BLOCK_GROUP_PROFILES = 0x1f8n; // raid0|raid1|dup|raid10|raid5|raid6 (and raid1c3/c4 above)
const BLOCK_GROUP_DUP = 0x20n;
/** inode item: atime, ctime, mtime, otime (btrfs_timespec: u64 seconds, u32 nanoseconds) */
const INODE_TIMES = [112, 124, 136, 148];
/** root item (after its embedded inode item): uuid @247, ctime, otime, stime, rtime */
const ROOT_UUID = 247;
const ROOT_TIMES = [327, 339, 351, 363];

interface Chunk {
  logical: bigint;
  length: bigint;
  type: bigint;
  /** physical start of each copy */
  stripes: bigint[];
}

export interface BtrfsNormalizeResult {
  /** tree blocks rewritten (each copy counted) */
  blocks: number;
  /** stale tree blocks cleared below the first chunk */
  cleared?: number;
  /** why nothing was done, when nothing could be */
  skipped?: string;
}

/**
 * Normalises the btrfs filesystem that fills `file` (a scratch file holding only it). `seed` is the
 * filesystem's id seed (MkfsRequest.seed).
 */
export function normalizeBtrfs(file: string, epoch: number, seed: string): BtrfsNormalizeResult {
  const fd = openSync(file, 'r+');
  try {
    const size = fstatSync(fd).size;
    const sb = read(fd, SUPER_OFFSETS[0]!, SUPER_SIZE);
    if (!sb.subarray(0x40, 0x48).equals(MAGIC)) return { blocks: 0, skipped: 'no btrfs superblock' };
    if (sb.readUInt16LE(0xc4) !== 0) return { blocks: 0, skipped: 'checksum type is not crc32c' };
    const nodesize = sb.readUInt32LE(0x94);
    const fsid = sb.subarray(0x20, 0x30);
    const chunks = readChunkMap(fd, sb, nodesize);
    if (chunks.some((c) => (c.type & BLOCK_GROUP_PROFILES & ~BLOCK_GROUP_DUP) !== 0n)) return { blocks: 0, skipped: 'a chunk has a multi-device profile' };

    // every copy of every tree block in the metadata and system chunks
    const blocks: { at: number; buf: Buffer }[] = [];
    for (const c of chunks) {
      if ((c.type & (BLOCK_GROUP_METADATA | BLOCK_GROUP_SYSTEM)) === 0n) continue;
      for (let rel = 0n; rel + BigInt(nodesize) <= c.length; rel += BigInt(nodesize)) {
        for (const s of c.stripes) {
          const at = Number(s + rel);
          if (at + nodesize > size) continue;
          const buf = read(fd, at, nodesize);
          if (buf.readBigUInt64LE(0x30) !== c.logical + rel || !buf.subarray(0x20, 0x30).equals(fsid) || !checksumHolds(buf)) continue;
          blocks.push({ at, buf });
        }
      }
    }

    // mkfs's first blocks live in temporary chunks at the start of the device (logical = physical) that
    // it drops again; their stale copies stay in the space before the first metadata or system chunk,
    // which a data chunk may now map: they are cleared where no data extent is
    const meta = chunks.filter((c) => (c.type & (BLOCK_GROUP_METADATA | BLOCK_GROUP_SYSTEM)) !== 0n);
    let end = BigInt(size);
    for (const s of meta.flatMap((c) => c.stripes)) if (s < end) end = s;
    const cleared = clearStaleBlocks(fd, Number(end), nodesize, fsid, dataInUse(chunks, blocks));

    // the random ids and what they become
    const swaps = new Map<string, Buffer>();
    const swap = (old: Buffer, purpose: string) => {
      if (!old.equals(Buffer.alloc(16)) && !swaps.has(old.toString('hex'))) swaps.set(old.toString('hex'), uuidBytes(deriveGuid(seed, purpose)));
    };
    swap(sb.subarray(0xc9 + 66, 0xc9 + 82), 'btrfs-device');
    for (const { buf } of blocks) {
      swap(buf.subarray(0x40, 0x50), 'btrfs-chunk-tree');
      forEachItem(buf, (type, objectid, data) => {
        if (type === ROOT_ITEM_KEY && data.length >= ROOT_UUID + 16) swap(data.subarray(ROOT_UUID, ROOT_UUID + 16), `btrfs-subvolume-${objectid}`);
      });
    }

    for (const { at, buf } of blocks) {
      replaceAll(buf, swaps, 32);
      if (buf.readBigUInt64LE(0x58) === UUID_TREE_OBJECTID) rekeyUuidTree(buf, swaps);
      forEachItem(buf, (type, _objectid, data) => {
        if (type === INODE_ITEM_KEY) clampTimes(data, INODE_TIMES, epoch);
        if (type === XATTR_ITEM_KEY || type === DIR_ITEM_KEY || type === DIR_INDEX_KEY) zeroDirTransids(data);
        if (type === ROOT_ITEM_KEY) {
          clampTimes(data, INODE_TIMES, epoch);
          clampTimes(data, ROOT_TIMES, epoch);
        }
      });
      zeroFreeSpace(buf);
      buf.fill(0, 0, 32);
      buf.writeUInt32LE(crc32c(buf.subarray(32)), 0);
      writeSync(fd, buf, 0, buf.length, at);
    }

    for (const off of SUPER_OFFSETS) {
      if (off + SUPER_SIZE > size) continue;
      const copy = read(fd, off, SUPER_SIZE);
      if (!copy.subarray(0x40, 0x48).equals(MAGIC) || copy.readBigUInt64LE(0x30) !== BigInt(off)) continue;
      replaceAll(copy, swaps, 32);
      copy.fill(0, 0, 32);
      copy.writeUInt32LE(crc32c(copy.subarray(32)), 0);
      writeSync(fd, copy, 0, SUPER_SIZE, off);
    }
    return { blocks: blocks.length, cleared };
  } finally {
    closeSync(fd);
  }
}

/**
 * Zeroes the tree blocks of this filesystem (fsid, a checksum that holds, its own address as bytenr:
 * the temporary chunks map logical = physical) between the first MiB and `end`, except superblocks.
 */
function clearStaleBlocks(fd: number, end: number, nodesize: number, fsid: Buffer, inUse: (physical: number, length: number) => boolean): number {
  let n = 0;
  for (let at = RESERVED; at + nodesize <= end; at += SECTOR) {
    if (inUse(at, nodesize)) continue;
    const buf = read(fd, at, nodesize);
    if (buf.readBigUInt64LE(0x30) !== BigInt(at) || !buf.subarray(0x20, 0x30).equals(fsid) || !checksumHolds(buf)) continue;
    writeSync(fd, Buffer.alloc(nodesize), 0, nodesize, at);
    n++;
    at += nodesize - SECTOR;
  }
  return n;
}

/**
 * Whether [physical, +length) holds file data: it lies in a data chunk and overlaps an EXTENT_ITEM
 * (objectid = logical start, offset = length) of any extent-tree block, current or stale (more
 * extents only means fewer blocks cleared).
 */
function dataInUse(chunks: Chunk[], blocks: { buf: Buffer }[]): (physical: number, length: number) => boolean {
  const extents: [bigint, bigint][] = [];
  for (const { buf } of blocks) {
    if (buf.readBigUInt64LE(0x58) !== EXTENT_TREE_OBJECTID) continue;
    forEachItem(buf, (type, objectid, _data, key) => {
      if (type === EXTENT_ITEM_KEY) extents.push([objectid, objectid + key.readBigUInt64LE(9)]);
    });
  }
  const data = chunks.filter((c) => (c.type & BLOCK_GROUP_DATA) !== 0n);
  return (physical, length) => {
    const p = BigInt(physical);
    for (const c of data) {
      for (const s of c.stripes) {
        if (p + BigInt(length) <= s || p >= s + c.length) continue;
        const from = c.logical + (p > s ? p - s : 0n);
        const to = from + BigInt(length);
        if (extents.some(([a, b]) => a < to && from < b)) return true;
      }
    }
    return false;
  };
}

function read(fd: number, at: number, length: number): Buffer {
  const b = Buffer.alloc(length);
  readSync(fd, b, 0, length, at);
  return b;
}

function checksumHolds(block: Buffer): boolean {
  return block.readUInt32LE(0) === crc32c(block.subarray(32));
}

/** RFC 4122 text -> the 16 bytes btrfs stores (uuid_parse order). */
function uuidBytes(text: string): Buffer {
  return Buffer.from(text.replace(/-/g, ''), 'hex');
}

/** Calls fn for each item of a leaf (a node has none). */
function forEachItem(block: Buffer, fn: (type: number, objectid: bigint, data: Buffer, key: Buffer) => void): void {
  if (block[0x64] !== 0) return;
  const n = block.readUInt32LE(0x60);
  for (let i = 0; i < n; i++) {
    const item = HEADER + i * ITEM;
    if (item + ITEM > block.length) return;
    const off = HEADER + block.readUInt32LE(item + 17);
    const len = block.readUInt32LE(item + 21);
    if (off + len > block.length) return;
    fn(block[item + 8]!, block.readBigUInt64LE(item), block.subarray(off, off + len), block.subarray(item, item + 17));
  }
}

/**
 * A tree block's unused bytes (a leaf's gap between its item headers and their data, a node's end
 * after its key pointers) hold what earlier versions of the block had there, as mkfs shifted items
 * while filling it: zeroed (nothing reads them).
 */
function zeroFreeSpace(buf: Buffer): void {
  const nritems = buf.readUInt32LE(0x60);
  if (buf[0x64] !== 0) {
    buf.fill(0, Math.min(buf.length, HEADER + nritems * KEY_PTR));
    return;
  }
  let dataStart = buf.length;
  for (let i = 0; i < nritems; i++) dataStart = Math.min(dataStart, HEADER + buf.readUInt32LE(HEADER + i * ITEM + 17));
  const itemsEnd = HEADER + nritems * ITEM;
  if (itemsEnd < dataStart) buf.fill(0, itemsEnd, dataStart);
}

/**
 * mkfs.btrfs --rootdir (btrfs-progs 6.2) leaves the transid of some directory and xattr entries
 * uninitialised (stack bytes, often the clock); the others are 0, which they all become. An item holds
 * one entry per name with the same hash, one after the other.
 */
function zeroDirTransids(data: Buffer): void {
  for (let o = 0; o + DIR_ITEM <= data.length; o += DIR_ITEM + data.readUInt16LE(o + 25) + data.readUInt16LE(o + 27)) data.fill(0, o + 17, o + 25);
}

function clampTimes(data: Buffer, offsets: number[], epoch: number): void {
  for (const o of offsets) {
    if (o + 12 > data.length) continue;
    if (data.readBigUInt64LE(o) > BigInt(epoch) || (data.readBigUInt64LE(o) === BigInt(epoch) && data.readUInt32LE(o + 8) !== 0)) {
      data.writeBigUInt64LE(BigInt(epoch), o);
      data.writeUInt32LE(0, o + 8);
    }
  }
}

/** Replaces every 16-byte run that is a key of `swaps` (hex) from byte `from` on. */
function replaceAll(buf: Buffer, swaps: Map<string, Buffer>, from: number): void {
  for (const [hex, to] of swaps) {
    const old = Buffer.from(hex, 'hex');
    for (let i = buf.indexOf(old, from); i !== -1; i = buf.indexOf(old, i + 16)) to.copy(buf, i);
  }
}

/**
 * The UUID tree's keys are subvolume UUIDs (objectid = bytes 0-7, offset = bytes 8-15, both
 * little-endian). mkfs makes one subvolume, so a leaf has one such item and its order cannot change;
 * a leaf with several is left alone rather than re-sorted.
 */
function rekeyUuidTree(block: Buffer, swaps: Map<string, Buffer>): void {
  const keys: Buffer[] = [];
  forEachItem(block, (type, _o, _d, key) => {
    if (type === UUID_KEY_SUBVOL || type === UUID_KEY_RECEIVED_SUBVOL) keys.push(key);
  });
  if (keys.length !== 1) return;
  const key = keys[0]!;
  const uuid = Buffer.concat([key.subarray(0, 8), key.subarray(9, 17)]);
  const to = swaps.get(uuid.toString('hex'));
  if (!to) return;
  to.copy(key, 0, 0, 8);
  to.copy(key, 9, 8, 16);
}

/**
 * The chunk map: the superblock's sys_chunk_array (the system chunks), then the chunk tree's
 * CHUNK_ITEMs (all chunks), read through it.
 */
function readChunkMap(fd: number, sb: Buffer, nodesize: number): Chunk[] {
  const chunks: Chunk[] = [];
  const arraySize = sb.readUInt32LE(0xa0);
  const array = sb.subarray(0x32b, 0x32b + arraySize);
  for (let p = 0; p + 17 <= array.length; ) {
    const logical = array.readBigUInt64LE(p + 9);
    const c = parseChunk(array.subarray(p + 17), logical);
    chunks.push(c);
    p += 17 + 48 + 32 * c.stripes.length;
  }
  const seen = new Set(chunks.map((c) => c.logical));
  const visit = (logical: bigint, depth: number) => {
    if (depth > 8) return;
    const c = chunks.find((x) => logical >= x.logical && logical < x.logical + x.length);
    if (!c) return;
    const block = read(fd, Number(c.stripes[0]! + (logical - c.logical)), nodesize);
    if (block[0x64] !== 0) {
      const n = block.readUInt32LE(0x60);
      for (let i = 0; i < n; i++) visit(block.readBigUInt64LE(HEADER + i * KEY_PTR + 17), depth + 1);
      return;
    }
    forEachItem(block, (type, _objectid, data, key) => {
      const at = key.readBigUInt64LE(9);
      if (type !== CHUNK_ITEM_KEY || seen.has(at)) return;
      seen.add(at);
      chunks.push(parseChunk(data, at));
    });
  };
  visit(sb.readBigUInt64LE(0x58), 0);
  return chunks;
}

/** A btrfs_chunk: length u64, owner, stripe_len, type u64 @24, ..., num_stripes u16 @44; stripes (devid, offset, dev_uuid) from @48. */
function parseChunk(b: Buffer, logical: bigint): Chunk {
  const n = b.readUInt16LE(44);
  const stripes: bigint[] = [];
  for (let i = 0; i < n; i++) stripes.push(b.readBigUInt64LE(48 + i * 32 + 8));
  return { logical, length: b.readBigUInt64LE(0), type: b.readBigUInt64LE(24), stripes };
}
