/**
 * `kiln diff A B`: where two disk images differ, read loopless. First the whole files; then the
 * partition table (sfdisk --json) and the bytes outside the partitions (boot code, GPT headers and
 * entries); then each partition: its filesystem (blkid), and for ext2/3/4 (ExtReader) and vfat
 * (mtools) the files that differ and in which inode field. Other filesystems and LVM physical
 * volumes are compared as bytes. Images in any format qemu-img reads are converted to raw first.
 */
import { createHash } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, readSync, rmSync, statSync, lstatSync, readlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KilnError } from '../errors.js';
import type { Runner } from '../exec/runner.js';
import { formatBytes } from '../block-device/summary.js';
import { ExtReader, type ExtEntry } from './ext.js';

export interface FieldDiff {
  field: string;
  a: string;
  b: string;
}

export interface FileDiff {
  path: string;
  change: 'only in A' | 'only in B' | 'changed';
  fields?: FieldDiff[];
}

export interface RegionDiff {
  /** "partition 3 (root)", "disk: boot code and partition table" ... */
  name: string;
  /** byte offset and length in A */
  offset: number;
  length: number;
  fsType?: string;
  /** bytes that differ, and the first of them (relative to the region) */
  bytes: number;
  firstAt?: number;
  files?: FileDiff[];
  note?: string;
}

export interface DiffReport {
  a: string;
  b: string;
  identical: boolean;
  /** differences of the images themselves: size, partition table fields */
  image: FieldDiff[];
  regions: RegionDiff[];
}

export interface Partition {
  number: number;
  start: number;
  size: number;
  type: string;
  uuid?: string;
  name?: string;
  attrs?: string;
}

export interface Table {
  label: string;
  id: string;
  sectorSize: number;
  partitions: Partition[];
}

async function sha256(path: string): Promise<string> {
  const h = createHash('sha256');
  const fd = openSync(path, 'r');
  try {
    const b = Buffer.alloc(1 << 22);
    for (let n = readSync(fd, b, 0, b.length, null); n > 0; n = readSync(fd, b, 0, b.length, null)) h.update(b.subarray(0, n));
  } finally {
    closeSync(fd);
  }
  return h.digest('hex');
}

/** Count differing bytes of two regions (a shorter one reads as zeros past its end). */
export function compareRegions(a: string, aAt: number, b: string, bAt: number, length: number): { bytes: number; firstAt?: number } {
  const fa = openSync(a, 'r');
  const fb = openSync(b, 'r');
  try {
    const ba = Buffer.alloc(1 << 20);
    const bb = Buffer.alloc(1 << 20);
    let bytes = 0;
    let firstAt: number | undefined;
    for (let done = 0; done < length; done += ba.length) {
      const n = Math.min(ba.length, length - done);
      ba.fill(0, 0, n);
      bb.fill(0, 0, n);
      readSync(fa, ba, 0, n, aAt + done);
      readSync(fb, bb, 0, n, bAt + done);
      if (ba.subarray(0, n).equals(bb.subarray(0, n))) continue;
      for (let i = 0; i < n; i++) {
        if (ba[i] !== bb[i]) {
          bytes++;
          firstAt ??= done + i;
        }
      }
    }
    return firstAt === undefined ? { bytes } : { bytes, firstAt };
  } finally {
    closeSync(fa);
    closeSync(fb);
  }
}

async function asRaw(runner: Runner, image: string, scratch: string, tag: string): Promise<string> {
  let info: { format?: string };
  try {
    info = JSON.parse((await runner.run('qemu-img', ['info', '--output=json', image], { context: `read ${image}` })).stdout) as { format?: string };
  } catch (e) {
    throw new KilnError(`${image}: not a disk image qemu-img can read`, { hint: 'kiln diff compares disk images (raw, qcow2, vhd, vhdx, vmdk)', cause: e });
  }
  if (info.format === 'raw') return image;
  const out = join(scratch, `${tag}.raw`);
  await runner.run('qemu-img', ['convert', '-O', 'raw', image, out], { context: `convert ${image} to raw for the comparison` });
  return out;
}

export async function readTable(runner: Runner, raw: string): Promise<Table | undefined> {
  const r = await runner.run('sfdisk', ['--json', raw], { okExitCodes: [1], context: `read the partition table of ${raw}` });
  if (r.exitCode !== 0 || !r.stdout.trim()) return undefined;
  const t = (JSON.parse(r.stdout) as { partitiontable: Record<string, unknown> }).partitiontable;
  const parts = (t.partitions as Record<string, unknown>[] | undefined) ?? [];
  return {
    label: String(t.label),
    id: String(t.id ?? ''),
    sectorSize: Number(t.sectorsize ?? 512),
    partitions: parts.map((p) => ({
      number: Number(/(\d+)$/.exec(String(p.node))?.[1] ?? 0),
      start: Number(p.start),
      size: Number(p.size),
      type: String(p.type),
      ...(p.uuid !== undefined ? { uuid: String(p.uuid) } : {}),
      ...(p.name !== undefined ? { name: String(p.name) } : {}),
      ...(p.attrs !== undefined ? { attrs: String(p.attrs) } : {}),
    })),
  };
}

export async function probe(runner: Runner, raw: string, offset: number, length: number): Promise<Record<string, string>> {
  const r = await runner.run('blkid', ['-p', '-O', String(offset), '-S', String(length), '-o', 'export', raw], {
    okExitCodes: [2],
    context: 'probe a filesystem',
  });
  const out: Record<string, string> = {};
  for (const line of r.stdout.split('\n')) {
    const i = line.indexOf('=');
    if (i > 0) out[line.slice(0, i)] = line.slice(i + 1);
  }
  return out;
}

const EXT_FIELDS: (keyof ExtEntry)[] = [
  'kind',
  'mode',
  'uid',
  'gid',
  'size',
  'sha256',
  'target',
  'device',
  'links',
  'flags',
  'generation',
  'mtime',
  'ctime',
  'atime',
  'crtime',
  'unreadable',
];

function show(field: string, v: unknown): string {
  if (v === undefined) return '-';
  if (field === 'mode') return `0${(v as number).toString(8)}`;
  if (field === 'flags') return `0x${(v as number).toString(16)}`;
  if (field === 'sha256') return `sha256:${String(v).slice(0, 12)}`;
  return String(v);
}

/** Entry lists (sorted by path, parents first) to file differences. */
export function diffEntries<E extends { path: string }>(a: E[], b: E[], fields: (keyof E)[]): FileDiff[] {
  const bm = new Map(b.map((e) => [e.path, e]));
  const am = new Map(a.map((e) => [e.path, e]));
  const out: FileDiff[] = [];
  for (const e of a) {
    const o = bm.get(e.path);
    if (!o) {
      out.push({ path: e.path, change: 'only in A' });
      continue;
    }
    const f: FieldDiff[] = [];
    for (const k of fields) if (e[k] !== o[k]) f.push({ field: k === 'sha256' ? 'content' : String(k), a: show(String(k), e[k]), b: show(String(k), o[k]) });
    if (f.length) out.push({ path: e.path, change: 'changed', fields: f });
  }
  for (const e of b) if (!am.has(e.path)) out.push({ path: e.path, change: 'only in B' });
  return out.sort((x, y) => (x.path < y.path ? -1 : x.path > y.path ? 1 : 0));
}

function extFiles(a: string, aAt: number, b: string, bAt: number): FileDiff[] {
  const ra = new ExtReader(a, aAt);
  const rb = new ExtReader(b, bAt);
  try {
    const f = diffEntries(ra.walk(), rb.walk(), EXT_FIELDS);
    return f;
  } finally {
    ra.close();
    rb.close();
  }
}

interface FatEntry {
  path: string;
  kind: string;
  size: number;
  sha256?: string;
  mtime: string;
}

function walkDir(root: string): FatEntry[] {
  const out: FatEntry[] = [];
  const visit = (rel: string): void => {
    const p = join(root, rel);
    const st = lstatSync(p);
    const e: FatEntry = {
      path: rel || '/',
      kind: st.isDirectory() ? 'dir' : st.isSymbolicLink() ? 'symlink' : 'file',
      size: st.isDirectory() ? 0 : st.size,
      mtime: new Date(Math.floor(st.mtimeMs / 1000) * 1000).toISOString(),
    };
    if (st.isFile()) e.sha256 = createHash('sha256').update(readFileSync(p)).digest('hex');
    if (st.isSymbolicLink()) e.sha256 = readlinkSync(p);
    out.push(e);
    if (st.isDirectory()) for (const n of readdirSync(p).sort()) visit(`${rel}/${n}`);
  };
  visit('');
  return out;
}

async function fatFiles(runner: Runner, scratch: string, a: string, aAt: number, b: string, bAt: number): Promise<FileDiff[]> {
  const env = { MTOOLS_SKIP_CHECK: '1', MTOOLSRC: '/dev/null', TZ: 'UTC' };
  const lists: FatEntry[][] = [];
  for (const [img, at, tag] of [
    [a, aAt, 'fat-a'],
    [b, bAt, 'fat-b'],
  ] as const) {
    const dir = join(scratch, tag);
    await runner.run('mkdir', ['-p', dir]);
    // -s recursive, -m keep the FAT mtimes, -n no overwrite questions
    await runner.run('mcopy', ['-s', '-m', '-n', '-i', `${img}@@${at}`, '::/*', dir], { env, okExitCodes: [1], context: 'read a FAT filesystem (mtools)' });
    lists.push(walkDir(dir));
  }
  return diffEntries(lists[0]!, lists[1]!, ['kind', 'size', 'sha256', 'mtime']);
}

function partName(p: Partition): string {
  return `partition ${p.number}${p.name ? ` (${p.name})` : ''}`;
}

/** The bytes outside the partitions, named by what sits there. */
function outsideAreas(table: Table | undefined, size: number): { name: string; offset: number; length: number }[] {
  if (!table) return [];
  const ss = table.sectorSize;
  const starts = table.partitions.map((p) => p.start * ss);
  const first = Math.min(...starts, size);
  const last = Math.max(...table.partitions.map((p) => (p.start + p.size) * ss), 0);
  const areas = [
    {
      name: table.label === 'gpt' ? 'disk: MBR boot code, protective MBR, GPT header and entries' : 'disk: MBR boot code and partition table',
      offset: 0,
      length: Math.min(first, table.label === 'gpt' ? 34 * ss : ss),
    },
  ];
  const gapStart = table.label === 'gpt' ? 34 * ss : ss;
  if (first > gapStart)
    areas.push({ name: 'disk: the gap before the first partition (GRUB core image on MBR disks)', offset: gapStart, length: first - gapStart });
  if (size > last)
    areas.push({
      name: table.label === 'gpt' ? 'disk: after the last partition (backup GPT)' : 'disk: after the last partition',
      offset: last,
      length: size - last,
    });
  return areas;
}

function tableDiffs(a: Table | undefined, b: Table | undefined): FieldDiff[] {
  const out: FieldDiff[] = [];
  const f = (field: string, x: unknown, y: unknown) => {
    if (String(x) !== String(y)) out.push({ field, a: x === undefined ? '-' : String(x), b: y === undefined ? '-' : String(y) });
  };
  f('partition table', a?.label ?? 'none', b?.label ?? 'none');
  if (!a || !b) return out;
  f('disk id', a.id, b.id);
  const n = Math.max(a.partitions.length, b.partitions.length);
  for (let i = 0; i < n; i++) {
    const p = a.partitions[i];
    const q = b.partitions[i];
    const name = `partition ${p?.number ?? q?.number}`;
    if (!p || !q) {
      f(name, p ? 'present' : 'absent', q ? 'present' : 'absent');
      continue;
    }
    for (const k of ['start', 'size', 'type', 'uuid', 'name', 'attrs'] as const) f(`${name} ${k}`, p[k], q[k]);
  }
  return out;
}

export async function diffImages(runner: Runner, imageA: string, imageB: string): Promise<DiffReport> {
  for (const f of [imageA, imageB]) {
    try {
      if (!statSync(f).isFile()) throw new KilnError(`${f} is not a file`);
    } catch (e) {
      if (e instanceof KilnError) throw e;
      throw new KilnError(`${f}: no such file`, { hint: 'kiln diff A B compares two disk images' });
    }
  }
  const report: DiffReport = { a: imageA, b: imageB, identical: false, image: [], regions: [] };
  if ((await sha256(imageA)) === (await sha256(imageB))) return { ...report, identical: true };
  const scratch = mkdtempSync(join(tmpdir(), 'kiln-diff-'));
  try {
    const a = await asRaw(runner, imageA, scratch, 'a');
    const b = await asRaw(runner, imageB, scratch, 'b');
    const sizeA = statSync(a).size;
    const sizeB = statSync(b).size;
    if (sizeA !== sizeB) report.image.push({ field: 'virtual size', a: String(sizeA), b: String(sizeB) });
    const ta = await readTable(runner, a);
    const tb = await readTable(runner, b);
    report.image.push(...tableDiffs(ta, tb));
    // outside the partitions: compared where both disks have the same table shape
    for (const area of outsideAreas(ta, sizeA)) {
      const d = compareRegions(a, area.offset, b, area.offset, area.length);
      if (d.bytes) report.regions.push({ ...area, ...d });
    }
    const regions: { name: string; offA: number; offB: number; length: number }[] = [];
    if (ta && tb) {
      for (const p of ta.partitions) {
        const q = tb.partitions.find((x) => x.number === p.number);
        if (q)
          regions.push({
            name: partName(p),
            offA: p.start * ta.sectorSize,
            offB: q.start * tb.sectorSize,
            length: Math.max(p.size * ta.sectorSize, q.size * tb.sectorSize),
          });
      }
    } else if (!ta && !tb) regions.push({ name: 'the whole image (no partition table)', offA: 0, offB: 0, length: Math.max(sizeA, sizeB) });
    for (const r of regions) {
      const d = compareRegions(a, r.offA, b, r.offB, r.length);
      if (!d.bytes) continue;
      const pa = await probe(runner, a, r.offA, r.length);
      const pb = await probe(runner, b, r.offB, r.length);
      const region: RegionDiff = { name: r.name, offset: r.offA, length: r.length, ...d };
      const type = pa.TYPE === pb.TYPE ? pa.TYPE : undefined;
      if (pa.TYPE || pb.TYPE) region.fsType = type ?? `${pa.TYPE ?? 'none'} / ${pb.TYPE ?? 'none'}`;
      const fsFields: FieldDiff[] = [];
      for (const k of ['UUID', 'LABEL']) if (pa[k] !== pb[k]) fsFields.push({ field: k.toLowerCase(), a: pa[k] ?? '-', b: pb[k] ?? '-' });
      if (type && /^ext[234]$/.test(type)) region.files = extFiles(a, r.offA, b, r.offB);
      else if (type === 'vfat') region.files = await fatFiles(runner, scratch, a, r.offA, b, r.offB);
      else if (type === 'LVM2_member') region.note = 'an LVM physical volume: compared as bytes (the logical volumes are not read yet)';
      else region.note = `${type ?? 'no filesystem Kiln reads'}: compared as bytes`;
      if (fsFields.length) region.files = [{ path: '(filesystem)', change: 'changed', fields: fsFields }, ...(region.files ?? [])];
      if (region.files && region.files.length === 0)
        region.note = 'no file or inode field differs: the filesystem metadata does (superblock, bitmaps, journal, free space)';
      report.regions.push(region);
    }
    return report;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** The report as text: one line per difference, files indented under their region. */
export function formatDiff(r: DiffReport, limit = 50): string {
  if (r.identical) return `${r.a} and ${r.b} are identical\n`;
  const lines = [`${r.a} and ${r.b} differ`];
  for (const f of r.image) lines.push(`  ${f.field}: ${f.a} -> ${f.b}`);
  for (const g of r.regions) {
    const where = `${formatBytes(g.length)} at byte ${g.offset}`;
    lines.push(
      `${g.name}${g.fsType ? `, ${g.fsType}` : ''} (${where}): ${g.bytes} byte(s) differ${g.firstAt !== undefined ? `, the first at +${g.firstAt}` : ''}`,
    );
    if (g.note) lines.push(`  ${g.note}`);
    const files = g.files ?? [];
    for (const f of files.slice(0, limit)) {
      if (f.change !== 'changed') lines.push(`  ${f.path}: ${f.change}`);
      else lines.push(`  ${f.path}: ${(f.fields ?? []).map((x) => `${x.field} ${x.a} -> ${x.b}`).join('; ')}`);
    }
    if (files.length > limit) lines.push(`  ... and ${files.length - limit} more (--json lists them all)`);
  }
  return `${lines.join('\n')}\n`;
}
