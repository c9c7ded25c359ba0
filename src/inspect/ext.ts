/**
 * A read-only ext2/3/4 reader over a region of an image file: enough to walk the tree and compare
 * two filesystems file by file and inode field by inode field, without a loop device or a mount.
 * Offsets are the ext4 on-disk format's (struct ext4_super_block, ext4_group_desc, ext2_inode_large,
 * ext4_extent_header/extent/extent_idx, ext4_dir_entry_2). Inline data is not read (mke2fs leaves it
 * off); such an inode is reported, not guessed.
 */
import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';
import { KilnError } from '../errors.js';
import { decodeExtTime, descriptorOffset } from '../block-device/mkfs/ext-normalize.js';

const EXTENTS_FL = 0x80000;
const INLINE_DATA_FL = 0x10000000;
const INCOMPAT_64BIT = 0x80;
const EXTENT_MAGIC = 0xf30a;
const S_IFMT = 0o170000;

export type ExtKind = 'file' | 'dir' | 'symlink' | 'char' | 'block' | 'fifo' | 'socket' | 'unknown';

/** One tree entry and the inode fields a comparison names. Times are seconds (plus ns when stored). */
export interface ExtEntry {
  path: string;
  ino: number;
  kind: ExtKind;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  links: number;
  flags: number;
  generation: number;
  atime: string;
  ctime: string;
  mtime: string;
  crtime?: string;
  /** sha256 of a regular file's content */
  sha256?: string;
  /** a symlink's target */
  target?: string;
  /** major:minor of a device node */
  device?: string;
  /** why the content could not be read (inline data) */
  unreadable?: string;
}

function kindOf(mode: number): ExtKind {
  switch (mode & S_IFMT) {
    case 0o100000:
      return 'file';
    case 0o040000:
      return 'dir';
    case 0o120000:
      return 'symlink';
    case 0o020000:
      return 'char';
    case 0o060000:
      return 'block';
    case 0o010000:
      return 'fifo';
    case 0o140000:
      return 'socket';
    default:
      return 'unknown';
  }
}

function iso(sec: number, nsec: number): string {
  const d = new Date(sec * 1000).toISOString().replace('.000Z', 'Z');
  return nsec ? `${d.slice(0, -1)}.${String(nsec).padStart(9, '0')}Z` : d;
}

export class ExtReader {
  readonly blockSize: number;
  readonly inodeSize: number;
  readonly uuid: string;
  private readonly fd: number;
  private readonly perGroup: number;
  private readonly descSize: number;
  private readonly sb: Buffer;
  private readonly groups: number;

  constructor(
    private readonly image: string,
    private readonly offset: number,
  ) {
    this.fd = openSync(image, 'r');
    this.sb = this.read(1024, 1024);
    if (this.sb.readUInt16LE(0x38) !== 0xef53) {
      closeSync(this.fd);
      throw new KilnError(`${image} at byte ${offset}: no ext2/3/4 superblock`);
    }
    this.blockSize = 1024 << this.sb.readUInt32LE(0x18);
    this.perGroup = this.sb.readUInt32LE(0x28);
    this.inodeSize = this.sb.readUInt32LE(0x4c) >= 1 ? this.sb.readUInt16LE(0x58) : 128;
    this.descSize = this.sb.readUInt32LE(0x60) & INCOMPAT_64BIT ? this.sb.readUInt16LE(0xfe) : 32;
    this.groups = Math.ceil(this.sb.readUInt32LE(0x00) / this.perGroup);
    const u = this.sb.subarray(0x68, 0x78).toString('hex');
    this.uuid = `${u.slice(0, 8)}-${u.slice(8, 12)}-${u.slice(12, 16)}-${u.slice(16, 20)}-${u.slice(20)}`;
  }

  close(): void {
    closeSync(this.fd);
  }

  private read(at: number, length: number): Buffer {
    const b = Buffer.alloc(length);
    let done = 0;
    while (done < length) {
      const n = readSync(this.fd, b, done, length - done, this.offset + at + done);
      if (n === 0) break; // past the end of the file: zeros, as a sparse tail reads
      done += n;
    }
    return b;
  }

  private block(n: number): Buffer {
    return this.read(n * this.blockSize, this.blockSize);
  }

  private descriptor(g: number): Buffer {
    return this.read(descriptorOffset(this.sb, g, this.blockSize, this.descSize, this.groups), this.descSize);
  }

  inode(ino: number): Buffer {
    if (ino < 1 || ino > this.groups * this.perGroup) throw new KilnError(`${this.image}: inode ${ino} is out of range`);
    const g = Math.floor((ino - 1) / this.perGroup);
    const d = this.descriptor(g);
    const table = d.readUInt32LE(0x08) + (this.descSize >= 64 ? d.readUInt32LE(0x28) * 2 ** 32 : 0);
    return this.read(table * this.blockSize + ((ino - 1) % this.perGroup) * this.inodeSize, this.inodeSize);
  }

  private static size(inode: Buffer): number {
    return inode.readUInt32LE(0x04) + inode.readUInt32LE(0x6c) * 2 ** 32;
  }

  /** [logical block, physical block or 0 for a hole / unwritten extent, count] runs of an inode. */
  private runs(inode: Buffer): [number, number, number][] {
    const out: [number, number, number][] = [];
    if (inode.readUInt32LE(0x20) & EXTENTS_FL) {
      const walk = (node: Buffer, depthLeft: number): void => {
        if (node.readUInt16LE(0) !== EXTENT_MAGIC) throw new KilnError(`${this.image}: a damaged extent tree`);
        const entries = node.readUInt16LE(2);
        const depth = node.readUInt16LE(6);
        if (depth > depthLeft) throw new KilnError(`${this.image}: an extent tree deeper than its root says`);
        for (let i = 0; i < entries; i++) {
          const e = node.subarray(12 + i * 12, 24 + i * 12);
          if (depth === 0) {
            const len = e.readUInt16LE(4);
            const unwritten = len > 32768;
            const start = e.readUInt16LE(6) * 2 ** 32 + e.readUInt32LE(8);
            out.push([e.readUInt32LE(0), unwritten ? 0 : start, unwritten ? len - 32768 : len]);
          } else {
            walk(this.block(e.readUInt32LE(4) + e.readUInt16LE(8) * 2 ** 32), depth - 1);
          }
        }
      };
      const root = inode.subarray(0x28, 0x28 + 60);
      walk(root, root.readUInt16LE(6));
      return out;
    }
    // ext2/3 block map: 12 direct blocks, then single, double and triple indirect
    const per = this.blockSize / 4;
    let logical = 0;
    const indirect = (blk: number, level: number): void => {
      if (blk === 0) {
        logical += per ** level;
        return;
      }
      const b = this.block(blk);
      for (let i = 0; i < per; i++) {
        const p = b.readUInt32LE(i * 4);
        if (level === 1) {
          if (p) out.push([logical, p, 1]);
          logical++;
        } else indirect(p, level - 1);
      }
    };
    for (let i = 0; i < 12; i++, logical++) {
      const p = inode.readUInt32LE(0x28 + i * 4);
      if (p) out.push([logical, p, 1]);
    }
    const want = Math.ceil(ExtReader.size(inode) / this.blockSize);
    for (const [slot, level] of [
      [12, 1],
      [13, 2],
      [14, 3],
    ] as const) {
      if (logical >= want) break;
      indirect(inode.readUInt32LE(0x28 + slot * 4), level);
    }
    return out;
  }

  /** Stream an inode's content (holes as zeros) into `sink`, in file order, up to its size. */
  private content(inode: Buffer, sink: (chunk: Buffer) => void): void {
    const size = ExtReader.size(inode);
    let pos = 0;
    const zeros = (n: number): void => {
      for (let left = n; left > 0; ) {
        const k = Math.min(left, 1 << 20);
        sink(Buffer.alloc(k));
        left -= k;
      }
    };
    for (const [logical, physical, count] of this.runs(inode).sort((a, b) => a[0] - b[0])) {
      const from = logical * this.blockSize;
      if (from >= size) break;
      if (from > pos) zeros(from - pos);
      const len = Math.min(count * this.blockSize, size - from);
      if (physical === 0) zeros(len);
      else for (let done = 0; done < len; done += 1 << 20) sink(this.read(physical * this.blockSize + done, Math.min(1 << 20, len - done)));
      pos = from + len;
    }
    if (pos < size) zeros(size - pos);
  }

  /** Names and inode numbers of a directory (without . and ..), in on-disk order. */
  readdir(inode: Buffer): [string, number][] {
    const chunks: Buffer[] = [];
    this.content(inode, (c) => chunks.push(c));
    const data = Buffer.concat(chunks);
    const out: [string, number][] = [];
    for (let at = 0; at + 8 <= data.length; ) {
      const ino = data.readUInt32LE(at);
      const recLen = data.readUInt16LE(at + 4);
      const nameLen = data.readUInt8(at + 6);
      if (recLen < 8) throw new KilnError(`${this.image}: a damaged directory entry`);
      const name = data.subarray(at + 8, at + 8 + nameLen).toString('utf8');
      if (ino !== 0 && name !== '.' && name !== '..') out.push([name, ino]);
      at += recLen;
    }
    return out;
  }

  entry(path: string, ino: number, inode = this.inode(ino), opts: { content?: boolean } = {}): ExtEntry {
    const mode = inode.readUInt16LE(0x00);
    const extra = this.inodeSize > 128 ? inode.readUInt16LE(0x80) : 0;
    const has = (off: number): boolean => off + 4 <= 128 + extra;
    const time = (secAt: number, extraAt: number): string => {
      const t = decodeExtTime(inode.readUInt32LE(secAt), has(extraAt) ? inode.readUInt32LE(extraAt) : undefined);
      return iso(t.sec, t.nsec);
    };
    const kind = kindOf(mode);
    const e: ExtEntry = {
      path,
      ino,
      kind,
      mode: mode & 0o7777,
      uid: inode.readUInt16LE(0x02) + inode.readUInt16LE(0x78) * 65536,
      gid: inode.readUInt16LE(0x18) + inode.readUInt16LE(0x7a) * 65536,
      size: ExtReader.size(inode),
      links: inode.readUInt16LE(0x1a),
      flags: inode.readUInt32LE(0x20),
      generation: inode.readUInt32LE(0x64),
      atime: time(0x08, 0x8c),
      ctime: time(0x0c, 0x84),
      mtime: time(0x10, 0x88),
      ...(has(0x90) ? { crtime: time(0x90, 0x94) } : {}),
    };
    if (e.flags & INLINE_DATA_FL && (kind === 'file' || kind === 'symlink' || kind === 'dir')) {
      e.unreadable = 'inline data';
      return e;
    }
    if (kind === 'file' && opts.content !== false) {
      const h = createHash('sha256');
      this.content(inode, (c) => h.update(c));
      e.sha256 = h.digest('hex');
    } else if (kind === 'symlink') {
      // a fast symlink (shorter than i_block's 60 bytes) keeps its target in i_block, without extents
      const fast = e.size < 60 && !(e.flags & EXTENTS_FL);
      if (fast) e.target = inode.subarray(0x28, 0x28 + e.size).toString('utf8');
      else {
        const chunks: Buffer[] = [];
        this.content(inode, (c) => chunks.push(c));
        e.target = Buffer.concat(chunks).toString('utf8');
      }
    } else if (kind === 'char' || kind === 'block') {
      const old = inode.readUInt32LE(0x28);
      const nw = inode.readUInt32LE(0x2c);
      const dev = old ? [(old >> 8) & 0xff, old & 0xff] : [(nw & 0xfff00) >> 8, (nw & 0xff) | ((nw >> 12) & 0xfff00)];
      e.device = `${dev[0]}:${dev[1]}`;
    }
    return e;
  }

  /**
   * The inode number of `path` (absolute, in this filesystem), symlinks followed inside the
   * filesystem (an absolute target from its root; at most 40, as the kernel); undefined when a
   * component is missing. `followFinal` false: a final symlink itself.
   */
  lookup(path: string, followFinal = true): number | undefined {
    let hops = 0;
    const resolve = (parts: string[]): number | undefined => {
      // the directories on the way from the root: [inode, name]
      const stack: [number, string][] = [[2, '']];
      for (let i = 0; i < parts.length; i++) {
        const name = parts[i]!;
        if (name === '' || name === '.') continue;
        if (name === '..') {
          if (stack.length > 1) stack.pop();
          continue;
        }
        const dir = this.inode(stack[stack.length - 1]![0]);
        if (kindOf(dir.readUInt16LE(0)) !== 'dir') return undefined;
        const child = this.readdir(dir).find(([n]) => n === name)?.[1];
        if (child === undefined) return undefined;
        const e = this.entry('', child, undefined, { content: false });
        if (e.kind === 'symlink' && (followFinal || i < parts.length - 1)) {
          if (++hops > 40 || e.target === undefined) return undefined;
          const base = e.target.startsWith('/') ? [] : stack.slice(1).map(([, n]) => n);
          return resolve([...base, ...e.target.split('/'), ...parts.slice(i + 1)]);
        }
        stack.push([child, name]);
      }
      return stack[stack.length - 1]![0];
    };
    return resolve(path.split('/'));
  }

  /** The content of the regular file at `path` (symlinks followed inside the filesystem). */
  readFile(path: string): Buffer {
    const ino = this.lookup(path);
    if (ino === undefined) throw new KilnError(`${this.image}: no ${path} in the filesystem at byte ${this.offset}`);
    const inode = this.inode(ino);
    const e = this.entry(path, ino, inode, { content: false });
    if (e.kind !== 'file') throw new KilnError(`${this.image}: ${path} is not a regular file (${e.kind})`);
    if (e.unreadable) throw new KilnError(`${this.image}: ${path} cannot be read (${e.unreadable})`);
    const chunks: Buffer[] = [];
    this.content(inode, (c) => chunks.push(c));
    return Buffer.concat(chunks);
  }

  /** Every entry of the tree, parents before children, names sorted bytewise within a directory. */
  walk(): ExtEntry[] {
    const out: ExtEntry[] = [];
    const seen = new Set<number>();
    const visit = (path: string, ino: number): void => {
      const inode = this.inode(ino);
      const e = this.entry(path, ino, inode);
      out.push(e);
      if (e.kind !== 'dir' || e.unreadable) return;
      if (seen.has(ino)) throw new KilnError(`${this.image}: directory inode ${ino} is reached twice (a damaged filesystem)`);
      seen.add(ino);
      const children = this.readdir(inode).sort((a, b) => Buffer.compare(Buffer.from(a[0]), Buffer.from(b[0])));
      for (const [name, child] of children) visit(path === '/' ? `/${name}` : `${path}/${name}`, child);
    };
    visit('/', 2);
    return out;
  }
}
