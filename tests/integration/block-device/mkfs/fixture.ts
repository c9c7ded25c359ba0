/** Shared fixture for the mkfs integration tests: a small tree and an image with marker bytes around a region. */
import {
  chmodSync,
  chownSync,
  closeSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readSync,
  symlinkSync,
  truncateSync,
  utimesSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { Runner } from '../../../../src/exec/runner.js';
import { silentLogger } from '../../../../src/log.js';
import { currentIdentity } from '../../../../src/sandbox/identity.js';
import type { MkfsContext } from '../../../../src/block-device/mkfs/index.js';

export const MiB = 1024 * 1024;
export const isRoot = process.getuid?.() === 0;
export const EPOCH = 1700000000;

export function context(): MkfsContext {
  return { runner: new Runner(silentLogger), identity: currentIdentity(), log: silentLogger };
}

/**
 * tree/
 *   etc/hostname            "kiln\n" 0644
 *   etc/secret              0600, owner 1000:1000 (when root)
 *   usr/bin/tool            0755 "#!/bin/sh ..."
 *   usr/lib/deep/a/b/c.txt  nested
 *   tmp/                    1777
 *   link -> usr/bin/tool    symlink
 *   big.bin                 300 KiB of non-zero data
 */
export function makeTree(root: string, variant = ''): string {
  const d = (p: string, mode = 0o755): void => {
    mkdirSync(join(root, p), { recursive: true });
    chmodSync(join(root, p), mode);
  };
  const f = (p: string, content: string | Buffer, mode = 0o644): void => {
    writeFileSync(join(root, p), content);
    chmodSync(join(root, p), mode);
  };
  mkdirSync(root, { recursive: true });
  d('etc');
  d('usr/bin');
  d('usr/lib/deep/a/b');
  d('tmp', 0o1777);
  f('etc/hostname', `kiln${variant}\n`);
  f('etc/secret', 'top secret\n', 0o600);
  if (isRoot) chownSync(join(root, 'etc/secret'), 1000, 1000);
  f('usr/bin/tool', '#!/bin/sh\necho tool\n', 0o755);
  f('usr/lib/deep/a/b/c.txt', 'deep\n');
  f('big.bin', Buffer.alloc(300 * 1024, 0x5a));
  symlinkSync('usr/bin/tool', join(root, 'link'));
  for (const p of ['etc/hostname', 'etc/secret', 'usr/bin/tool', 'usr/lib/deep/a/b/c.txt', 'big.bin']) utimesSync(join(root, p), new Date(), EPOCH); // fresh atime: relatime will not bump it on read
  return root;
}

const MARK = 0xa5;
const MARK_LEN = 4096;

/** A sparse image of `total` bytes with 4 KiB of 0xA5 just before and just after [offset, offset+size). */
export function makeImage(path: string, total: number, offset: number, size: number): void {
  writeFileSync(path, '');
  truncateSync(path, total);
  const fd = openSync(path, 'r+');
  const m = Buffer.alloc(MARK_LEN, MARK);
  writeSync(fd, m, 0, MARK_LEN, offset - MARK_LEN);
  writeSync(fd, m, 0, MARK_LEN, offset + size);
  closeSync(fd);
}

export function markersIntact(path: string, offset: number, size: number): boolean {
  const fd = openSync(path, 'r');
  const b = Buffer.alloc(MARK_LEN);
  try {
    readSync(fd, b, 0, MARK_LEN, offset - MARK_LEN);
    const before = b.every((x) => x === MARK);
    readSync(fd, b, 0, MARK_LEN, offset + size);
    return before && b.every((x) => x === MARK);
  } finally {
    closeSync(fd);
  }
}

export function readRegion(path: string, offset: number, size: number): Buffer {
  const b = Buffer.alloc(size);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, b, 0, size, offset);
  } finally {
    closeSync(fd);
  }
  return b;
}

/** Copy the region into its own file (for tools without an offset option). */
export function extractRegion(path: string, offset: number, size: number, out: string): string {
  const from = openSync(path, 'r');
  const to = openSync(out, 'w');
  const b = Buffer.alloc(MiB);
  try {
    ftruncateSync(to, size); // sparse: only non-zero chunks are written
    for (let done = 0; done < size; done += b.length) {
      const n = readSync(from, b, 0, Math.min(b.length, size - done), offset + done);
      if (b.subarray(0, n).some((x) => x !== 0)) writeSync(to, b, 0, n, done);
    }
  } finally {
    closeSync(from);
    closeSync(to);
  }
  return out;
}
