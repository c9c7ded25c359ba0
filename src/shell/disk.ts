/**
 * A disk image's files, read loopless: its volumes (the partitions of its table, or the whole
 * image: a bare filesystem), the root filesystem (the ext2/3/4 volume with /etc/fstab), and its
 * fstab's mounts. Extracting them into a directory: ext2/3/4 with debugfs rdump, vfat with mtools,
 * run as root of the tree (sandbox/identity.ts) so owners are kept. Other filesystems and LVM are
 * refused by name.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KilnError } from '../errors.js';
import type { Runner } from '../exec/runner.js';
import { ExtReader } from '../inspect/ext.js';
import { probe, readTable } from '../inspect/diff.js';
import { runAsTreeRoot, type SandboxContext } from '../sandbox/sandbox.js';
import { Tree } from '../tree/fs.js';
import { type MountPlan, parseFstab, planMounts, unsupportedFs, type Volume } from './fstab.js';

const EXT = /^ext[234]$/;
/** The filesystems Kiln extracts. */
export const readableFs = (t: string): boolean => EXT.test(t) || t === 'vfat';

export async function readVolumes(runner: Runner, raw: string, size: number): Promise<Volume[]> {
  const table = await readTable(runner, raw);
  const regions = table
    ? table.partitions.map((p) => ({
        name: `partition ${p.number}${p.name ? ` (${p.name})` : ''}`,
        number: p.number,
        offset: p.start * table.sectorSize,
        size: p.size * table.sectorSize,
        ...(p.uuid ? { partUuid: p.uuid } : {}),
        ...(p.name ? { partLabel: p.name } : {}),
      }))
    : [{ name: 'the whole image', number: 0, offset: 0, size }];
  const out: Volume[] = [];
  for (const r of regions) {
    const p = await probe(runner, raw, r.offset, r.size);
    out.push({ ...r, ...(p.TYPE ? { fsType: p.TYPE } : {}), ...(p.UUID ? { uuid: p.UUID } : {}), ...(p.LABEL ? { label: p.LABEL } : {}) });
  }
  return out;
}

/** Read one file of an ext volume; undefined when it is not there. */
export function readExtFile(raw: string, v: Volume, path: string): Buffer | undefined {
  const r = new ExtReader(raw, v.offset);
  try {
    return r.lookup(path) === undefined ? undefined : r.readFile(path);
  } finally {
    r.close();
  }
}

/**
 * The root filesystem: the ext volume with /etc/fstab (the one fstab mounts at /, when several
 * have one), else the only ext volume with /etc. An image without one is refused, naming what
 * its volumes are (LVM, xfs ...).
 */
export function findRoot(raw: string, image: string, volumes: Volume[]): { root: Volume; fstab?: string } {
  const withEtc: { v: Volume; fstab?: string }[] = [];
  for (const v of volumes.filter((x) => EXT.test(x.fsType ?? ''))) {
    const r = new ExtReader(raw, v.offset);
    try {
      if (r.lookup('/etc') === undefined) continue;
      const fstab = r.lookup('/etc/fstab') !== undefined ? r.readFile('/etc/fstab').toString('utf8') : undefined;
      withEtc.push(fstab === undefined ? { v } : { v, fstab });
    } finally {
      r.close();
    }
  }
  const fstabs = withEtc.filter((x) => x.fstab !== undefined);
  // several roots: the one whose fstab names itself at /
  const self = fstabs.find((x) => {
    const root = parseFstab(x.fstab!).find((e) => e.mountPoint === '/');
    return root !== undefined && planRootMatches(root.spec, x.v, volumes);
  });
  const pick = self ?? fstabs[0] ?? (withEtc.length === 1 ? withEtc[0] : undefined);
  if (pick) return pick.fstab === undefined ? { root: pick.v } : { root: pick.v, fstab: pick.fstab };
  const other = volumes.find((v) => v.fsType && !readableFs(v.fsType) && v.fsType !== 'swap');
  if (other) throw unsupportedFs(other, 'the root filesystem');
  throw new KilnError(`${image}: no root filesystem found (no ext2/3/4 filesystem with /etc)`, {
    hint: `its volumes: ${volumes.map((v) => `${v.name}: ${v.fsType ?? 'no filesystem'}`).join(', ')}`,
  });
}

function planRootMatches(spec: string, v: Volume, volumes: Volume[]): boolean {
  const plan = planMounts(v, [{ spec, mountPoint: '/x', type: 'auto', options: [], line: 0 }], volumes, () => true);
  return plan.mounts.length === 1 && plan.skipped.length === 0;
}

/** The mounts to extract: the root, then what its fstab mounts from this disk. */
export function diskMounts(raw: string, image: string, volumes: Volume[]): MountPlan {
  const { root, fstab } = findRoot(raw, image, volumes);
  return planMounts(root, fstab ? parseFstab(fstab) : [], volumes, readableFs);
}

/** debugfs request quoting (its argument parser takes double quotes; a name with one cannot be given). */
function quoted(name: string): string | undefined {
  return /["\n]/.test(name) ? undefined : `"${name}"`;
}

/**
 * The ext volume's tree into `dest` (an existing directory) with debugfs rdump, as root of the
 * tree. rdump keeps no set-user/group-id or sticky bit (it sets the mode without them, then the owner), so those
 * modes are set again afterwards; the root directory's mode and owner too. rdump skips device
 * nodes, FIFOs and sockets (the sandbox gives /dev) and copies hard links as separate files.
 */
export async function extractExt(ctx: SandboxContext, raw: string, v: Volume, dest: string, scratch: string, log: (m: string) => void): Promise<void> {
  const r = new ExtReader(raw, v.offset);
  const fixes = new Map<string, string[]>();
  let top: string[];
  let root: { mode: number; uid: number; gid: number };
  try {
    const rootInode = r.inode(2);
    root = r.entry('/', 2, rootInode, { content: false });
    top = r.readdir(rootInode).map(([n]) => n);
    const visit = (path: string, ino: number): void => {
      const inode = r.inode(ino);
      const e = r.entry(path, ino, inode, { content: false });
      if ((e.kind === 'file' || e.kind === 'dir') && e.mode & 0o7000) {
        const mode = e.mode.toString(8);
        fixes.set(mode, [...(fixes.get(mode) ?? []), path]);
      }
      if (e.kind === 'dir' && !e.unreadable) for (const [n, child] of r.readdir(inode)) visit(`${path === '/' ? '' : path}/${n}`, child);
    };
    visit('/', 2);
  } finally {
    r.close();
  }
  const names = top.map((n) => ({ n, q: quoted(`/${n}`) }));
  for (const x of names.filter((x) => !x.q)) log(`${v.name}: /${x.n} has a name debugfs cannot be given: left out`);
  const cmds = join(scratch, `debugfs-${v.number}.cmds`);
  writeFileSync(cmds, names.length ? `rdump ${names.flatMap((x) => (x.q ? [x.q] : [])).join(' ')} "${dest}"\n` : '');
  const res = await runAsTreeRoot(ctx, ['debugfs', '-f', cmds, `${raw}?offset=${v.offset}`], { context: `read ${v.name} (debugfs)` });
  // debugfs exits 0 whatever a request did: its complaints are on stderr
  const errors = res.stderr.split('\n').filter((l) => l.trim() && !/^debugfs [\d.]+ \(/.test(l) && !l.startsWith('debugfs: rdump'));
  if (errors.length) {
    throw new KilnError(
      `${v.name}: debugfs could not extract every file:\n${errors
        .slice(0, 10)
        .map((l) => `    ${l}`)
        .join('\n')}`,
      {
        hint: 'is the temporary directory full? (TMPDIR)',
      },
    );
  }
  const tree = new Tree(dest);
  const host = (p: string) => tree.resolve(p, false).host;
  await runAsTreeRoot(ctx, ['chown', `${root.uid}:${root.gid}`, dest]);
  await runAsTreeRoot(ctx, ['chmod', root.mode.toString(8), dest]);
  for (const [mode, paths] of fixes) await runAsTreeRoot(ctx, ['chmod', mode, ...paths.map(host)]);
}

const MTOOLS_ENV = { MTOOLS_SKIP_CHECK: '1', MTOOLSRC: '/dev/null', TZ: 'UTC' };

/** A vfat volume's files into `dest` (mtools), as root of the tree. */
export async function extractVfat(ctx: SandboxContext, raw: string, v: Volume, dest: string): Promise<void> {
  const at = `${raw}@@${v.offset}`;
  const list = await runAsTreeRoot(ctx, ['mdir', '-b', '-i', at, '::/'], { env: MTOOLS_ENV, okExitCodes: [1], context: `read ${v.name} (mtools)` });
  if (!list.stdout.trim()) return; // empty (mdir exits 1 then)
  await runAsTreeRoot(ctx, ['mcopy', '-s', '-m', '-n', '-i', at, '::/*', dest], { env: MTOOLS_ENV, context: `read ${v.name} (mtools)` });
}
