/**
 * An image's root tree in a directory, whatever Kiln wrote: a disk image (raw, or any format
 * qemu-img reads, converted to raw first), a tar (also compressed), a docker or OCI archive
 * (layers applied in order, whiteouts honoured), a squashfs, or a directory (copied). Everything
 * is written as root of the tree (sandbox/identity.ts), so owners and modes are the image's.
 */
import { openSync, readSync, closeSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { KilnError } from '../errors.js';
import type { Runner } from '../exec/runner.js';
import { runAsTreeRoot, type SandboxContext } from '../sandbox/sandbox.js';
import { Tree } from '../tree/fs.js';
import { diskMounts, extractExt, extractVfat, readVolumes } from './disk.js';

export type ImageKind = 'directory' | 'tar' | 'docker' | 'oci' | 'squashfs' | 'disk';

function head(file: string, n: number): Buffer {
  const b = Buffer.alloc(n);
  const fd = openSync(file, 'r');
  try {
    return b.subarray(0, readSync(fd, b, 0, n, 0));
  } finally {
    closeSync(fd);
  }
}

const COMPRESSED: [string, Buffer][] = [
  ['gzip', Buffer.from([0x1f, 0x8b])],
  ['xz', Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00])],
  ['zstd', Buffer.from([0x28, 0xb5, 0x2f, 0xfd])],
  ['bzip2', Buffer.from('BZh')],
];

/** What `image` is, from its first bytes (and a tar's member names). */
export async function imageKind(runner: Runner, image: string): Promise<ImageKind> {
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(image);
  } catch {
    throw new KilnError(`${image}: no such file or directory`, { hint: 'give a disk image, a tar or docker output, or a directory of an image tree' });
  }
  if (st.isDirectory()) return 'directory';
  const h = head(image, 512);
  if (h.subarray(0, 4).toString('latin1') === 'hsqs') return 'squashfs';
  if (COMPRESSED.some(([, m]) => h.subarray(0, m.length).equals(m))) return 'tar';
  if (h.length >= 262 && h.subarray(257, 262).toString('latin1') === 'ustar') {
    const names = (await runner.run('tar', ['-tf', image], { context: `list ${image}` })).stdout.split('\n').map((n) => n.replace(/^\.\//, ''));
    if (names.includes('oci-layout') && names.includes('index.json')) return 'oci';
    if (names.includes('manifest.json')) return 'docker';
    return 'tar';
  }
  return 'disk';
}

export interface OpenedTree {
  kind: ImageKind;
  /** notes for the user: fstab entries left out, files debugfs could not be given */
  notes: string[];
}

/**
 * Put `image`'s tree into `tree` (an empty directory); `scratch` is for converted disks and
 * unpacked archives (removed by the caller).
 */
export async function openImageTree(ctx: SandboxContext, image: string, tree: string, scratch: string): Promise<OpenedTree> {
  const kind = await imageKind(ctx.runner, image);
  const notes: string[] = [];
  switch (kind) {
    case 'directory':
      await runAsTreeRoot(ctx, ['cp', '-a', '--', `${image}/.`, tree], { context: `copy ${image}` });
      break;
    case 'tar':
      await untar(ctx, image, tree);
      break;
    case 'squashfs':
      await runAsTreeRoot(ctx, ['unsquashfs', '-f', '-no-progress', '-d', tree, image], { context: `unpack ${image} (unsquashfs)` });
      break;
    case 'docker':
    case 'oci':
      for (const layer of await archiveLayers(ctx.runner, image, kind, scratch)) await applyLayer(ctx, layer, tree);
      break;
    case 'disk':
      await openDisk(ctx, image, tree, scratch, notes);
      break;
  }
  return { kind, notes };
}

function untar(ctx: SandboxContext, file: string, dest: string, extra: string[] = []): Promise<unknown> {
  // as root of the tree GNU tar keeps the archive's owners (and -p its modes)
  return runAsTreeRoot(ctx, ['tar', '--numeric-owner', '-xpf', file, '-C', dest, ...extra], { context: `unpack ${file}` });
}

/** The layer tarballs of a docker-save or OCI archive, lowest first, unpacked into `scratch`. */
async function archiveLayers(runner: Runner, image: string, kind: 'docker' | 'oci', scratch: string): Promise<string[]> {
  const dir = join(scratch, 'archive');
  await runner.run('mkdir', ['-p', dir]);
  await runner.run('tar', ['-xf', image, '-C', dir], { context: `unpack ${image}` });
  const json = (p: string): unknown => JSON.parse(readFileSync(join(dir, p), 'utf8'));
  try {
    if (kind === 'docker') {
      const m = json('manifest.json') as { Layers: string[] }[];
      if (m.length !== 1) throw new KilnError(`${image}: a docker archive of ${m.length} images`, { hint: 'open an archive of one image' });
      return m[0]!.Layers.map((l) => join(dir, l));
    }
    const blob = (digest: string) => join('blobs', ...digest.split(':'));
    const index = json('index.json') as { manifests: { digest: string }[] };
    if (index.manifests.length !== 1)
      throw new KilnError(`${image}: an OCI archive of ${index.manifests.length} images`, { hint: 'open an archive of one image' });
    const manifest = json(blob(index.manifests[0]!.digest)) as { layers: { digest: string }[] };
    return manifest.layers.map((l) => join(dir, blob(l.digest)));
  } catch (e) {
    if (e instanceof KilnError) throw e;
    throw new KilnError(`${image}: not a docker or OCI archive Kiln can read (${(e as Error).message})`, { cause: e });
  }
}

/**
 * One image layer over the tree: its whiteouts (.wh.NAME removes NAME of the layers below,
 * .wh..wh..opq empties the directory) first, then its files.
 */
async function applyLayer(ctx: SandboxContext, layer: string, tree: string): Promise<void> {
  const names = (await ctx.runner.run('tar', ['-tf', layer], { context: `list ${layer}` })).stdout.split('\n').filter(Boolean);
  const t = new Tree(tree);
  const remove: string[] = [];
  for (const n of names) {
    const m = /^(.*\/)?\.wh\.(.+)$/.exec(n.replace(/^\.\//, ''));
    if (!m) continue;
    const dir = `/${m[1] ?? ''}`;
    if (m[2] === '.wh..opq') {
      if (t.isDirectory(dir)) for (const c of t.readdir(dir)) remove.push(t.resolve(`${dir}${c}`, false).host);
    } else if (t.lstat(`${dir}${m[2]}`)) remove.push(t.resolve(`${dir}${m[2]}`, false).host);
  }
  if (remove.length) await runAsTreeRoot(ctx, ['rm', '-rf', '--', ...remove]);
  await untar(ctx, layer, tree, ['--exclude=.wh.*']);
}

export async function asRaw(runner: Runner, image: string, scratch: string): Promise<string> {
  let format: string | undefined;
  try {
    format = (JSON.parse((await runner.run('qemu-img', ['info', '--output=json', image], { context: `read ${image}` })).stdout) as { format?: string }).format;
  } catch (e) {
    throw new KilnError(`${image}: not an image Kiln can open`, {
      hint: 'give a disk image (raw, qcow2, vhd, vhdx, vmdk), a tar, docker or OCI archive, a squashfs, or a directory',
      cause: e,
    });
  }
  if (format === 'raw') return image;
  const out = join(scratch, 'disk.raw');
  await runner.run('qemu-img', ['convert', '-O', 'raw', image, out], { context: `convert ${image} (${format}) to raw` });
  return out;
}

async function openDisk(ctx: SandboxContext, image: string, tree: string, scratch: string, notes: string[]): Promise<void> {
  const raw = await asRaw(ctx.runner, image, scratch);
  const volumes = await readVolumes(ctx.runner, raw, statSync(raw).size);
  const plan = diskMounts(raw, image, volumes);
  notes.push(...plan.skipped.map((s) => `fstab: ${s}`));
  const t = new Tree(tree);
  for (const m of plan.mounts) {
    const dest = m.mountPoint === '/' ? tree : t.mkdirp(m.mountPoint);
    if (m.volume.fsType === 'vfat') await extractVfat(ctx, raw, m.volume, dest);
    else await extractExt(ctx, raw, m.volume, dest, scratch, (n) => notes.push(n));
  }
}
