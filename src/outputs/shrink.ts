/**
 * shrink: make the raw image as small as its root filesystem allows, before any disk format is
 * written. Supported (the simplest correct version): a bare ext2/3/4 image, or an MBR/GPT disk
 * with exactly ONE partition holding ext2/3/4. resize2fs has no offset option, so the partition is
 * copied out to a sparse temp file, checked (e2fsck -f, which resize2fs -M requires), shrunk, and
 * copied back; the partition table is rewritten by sfdisk from its own dump with the new size
 * (label id, partition UUIDs, types and names are kept) and the image is truncated:
 *   MBR: the partition end; GPT: the partition end + the 33-sector backup table; then rounded
 *   up to 1 MiB (partitions stay 1 MiB aligned, and whole-MiB sizes suit Azure/VHD).
 * Everything before the partition (boot code, the BIOS GRUB core in the MBR gap) is untouched.
 */
import { openSync, readSync, closeSync, rmSync, statSync, truncateSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { Runner } from '../exec/runner.js';
import { KilnError } from '../errors.js';
import { createTempFile } from './temp.js';

const MIB = 1 << 20;
const roundUp = (n: number, to: number) => Math.ceil(n / to) * to;

interface SfdiskJson {
  partitiontable: { label: 'dos' | 'gpt'; sectorsize?: number; partitions?: { start: number; size: number }[] };
}

function isExt(image: string, offset: number): boolean {
  const b = Buffer.alloc(2);
  const fd = openSync(image, 'r');
  try {
    readSync(fd, b, 0, 2, offset + 1024 + 56); // ext2/3/4 superblock at +1024, s_magic at +56
  } finally {
    closeSync(fd);
  }
  return b.readUInt16LE(0) === 0xef53;
}

/** e2fsck -f, resize2fs -M; returns the new filesystem size in bytes (resize2fs truncates the file). */
async function shrinkExtFile(runner: Runner, file: string, epoch: number): Promise<number> {
  const env = { E2FSPROGS_FAKE_TIME: String(epoch) };
  await runner.run('e2fsck', ['-f', '-p', file], { env, context: 'shrink: check the root filesystem', okExitCodes: [1] });
  await runner.run('resize2fs', ['-M', file], { env, context: 'shrink: resize2fs -M' });
  const h = (await runner.run('dumpe2fs', ['-h', file], { env })).stdout;
  const count = Number(/^Block count:\s+(\d+)/m.exec(h)?.[1]);
  const size = Number(/^Block size:\s+(\d+)/m.exec(h)?.[1]);
  if (!count || !size) throw new Error(`dumpe2fs -h ${file}: no block count/size`);
  return count * size;
}

async function readTable(runner: Runner, image: string): Promise<SfdiskJson | undefined> {
  try {
    return JSON.parse((await runner.run('sfdisk', ['--json', image])).stdout) as SfdiskJson;
  } catch {
    return undefined; // no partition table: a bare filesystem image
  }
}

export async function shrinkRawImage(runner: Runner, image: string, epoch: number): Promise<{ before: number; after: number }> {
  const before = statSync(image).size;
  const unsupported = (why: string) =>
    new KilnError(`cannot shrink ${image}: ${why}`, {
      hint: 'shrink supports a bare ext2/3/4 image or a disk with one ext2/3/4 partition; build without shrink',
    });
  const table = await readTable(runner, image);
  if (!table) {
    if (!isExt(image, 0)) throw unsupported('it is neither partitioned nor an ext2/3/4 filesystem');
    const fs = await shrinkExtFile(runner, image, epoch);
    truncateSync(image, roundUp(fs, MIB));
    return { before, after: statSync(image).size };
  }
  const parts = table.partitiontable.partitions ?? [];
  const ss = table.partitiontable.sectorsize ?? 512;
  if (parts.length !== 1) throw unsupported(`it has ${parts.length} partitions`);
  const p = parts[0]!;
  const offset = p.start * ss;
  if (!isExt(image, offset)) throw unsupported('its partition does not hold ext2/3/4');
  const dump = (await runner.run('sfdisk', ['--dump', image])).stdout;
  const tmp = createTempFile(dirname(image), basename(image), 'shrink');
  try {
    await runner.run('dd', [
      `if=${image}`,
      `of=${tmp}`,
      'bs=1M',
      `skip=${offset}`,
      `count=${p.size * ss}`,
      'iflag=skip_bytes,count_bytes',
      'conv=sparse',
      'status=none',
    ]);
    const fs = await shrinkExtFile(runner, tmp, epoch);
    const sectors = roundUp(fs, MIB) / ss;
    await runner.run('dd', [`if=${tmp}`, `of=${image}`, 'bs=1M', `seek=${offset}`, 'oflag=seek_bytes', 'conv=notrunc,sparse', 'status=none']);
    const end = offset + sectors * ss + (table.partitiontable.label === 'gpt' ? 33 * ss : 0);
    truncateSync(image, roundUp(end, MIB));
    const script = dump
      .split('\n')
      .filter((l) => !/^(device|last-lba):/.test(l))
      .map((l) => l.replace(/size=\s*\d+/, `size=${sectors}`))
      .join('\n');
    await runner.run('sfdisk', ['-q', '--no-reread', '--no-tell-kernel', '--wipe-partitions', 'never', image], {
      input: script,
      context: 'shrink: rewrite the partition table',
    });
  } finally {
    rmSync(tmp, { force: true });
  }
  return { before, after: statSync(image).size };
}
