/**
 * GRUB core images with grub-mkimage: every module GRUB needs is embedded, plus an early config
 * that finds the /boot (or root) filesystem by UUID, so the target tree needs no GRUB files at all
 * beyond grub.cfg. grub-mkimage output is deterministic (same inputs, same bytes).
 */
import { existsSync, writeFileSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Runner } from '../exec/runner.js';
import type { Logger } from '../log.js';
import { removeScratchDir } from '../sandbox/mounts.js';
import { Tree } from '../tree/fs.js';

export type GrubPlatform = 'i386-pc' | 'x86_64-efi' | 'i386-efi' | 'arm64-efi';

/** Modules for every platform: partition tables, file systems, LVM, and what grub.cfg uses. */
export const COMMON_MODULES = [
  'part_msdos',
  'part_gpt',
  'ext2',
  'fat',
  'xfs',
  'btrfs',
  'lvm',
  'normal',
  'linux',
  'search',
  'search_fs_uuid',
  'search_label',
  'configfile',
  'echo',
  'test',
  'boot',
  'serial',
  'terminal',
  'halt',
  'reboot',
  'gzio',
  'sleep',
  'ls',
  'cat',
  'minicmd',
] as const;

const PLATFORM_MODULES: Record<GrubPlatform, readonly string[]> = {
  'i386-pc': ['biosdisk'],
  'x86_64-efi': ['efi_gop', 'efi_uga'],
  'i386-efi': ['efi_gop', 'efi_uga'],
  'arm64-efi': ['efi_gop'],
};

/** The Debian package with a platform's modules (/usr/lib/grub/<platform>), for hints. */
export const GRUB_MODULE_PACKAGE: Record<GrubPlatform, string> = {
  'i386-pc': 'grub-pc-bin',
  'x86_64-efi': 'grub-efi-amd64-bin',
  'i386-efi': 'grub-efi-ia32-bin',
  'arm64-efi': 'grub-efi-arm64-bin',
};

/** Whether Kiln can write GRUB for this platform name (the arch table may name others). */
export function isGrubPlatform(p: string | undefined): p is GrubPlatform {
  return p !== undefined && p in PLATFORM_MODULES;
}

export function grubModules(platform: GrubPlatform): string[] {
  return [...PLATFORM_MODULES[platform], ...COMMON_MODULES];
}

/**
 * The config embedded in the image. With a separate /boot, that filesystem's root is /boot, so the
 * prefix is (fs)/grub; otherwise it is (root fs)/boot/grub.
 */
export function formatEarlyConfig(fsUuid: string, bootIsSeparate: boolean, cfgDir = 'grub'): string {
  return `search --no-floppy --fs-uuid --set=root ${fsUuid}\nset prefix=($root)${grubPrefix(bootIsSeparate, cfgDir)}\n`;
}

/** Where grub.cfg is, as GRUB sees it: /boot/grub (Debian), /boot/grub2 (the Red Hat family), without /boot when it is separate. */
export function grubPrefix(bootIsSeparate: boolean, cfgDir = 'grub'): string {
  return bootIsSeparate ? `/${cfgDir}` : `/boot/${cfgDir}`;
}

/** Where a tree's GRUB modules are: /usr/lib/grub (Debian, Ubuntu, the Red Hat family), /usr/share/grub2 (openSUSE). */
const TREE_GRUB_DIRS = ['/usr/lib/grub', '/usr/share/grub2'] as const;

/** The tree's module directory for `platform` (the first with a kernel.img), or undefined. */
function treeGrubDir(tree: Tree, platform: GrubPlatform): string | undefined {
  return TREE_GRUB_DIRS.map((d) => `${d}/${platform}`).find((d) => tree.isFile(`${d}/kernel.img`));
}

/**
 * The target's GRUB modules when the tree has them (matching its grub.cfg), else the host's. The
 * tree's directory is resolved inside the tree; read it with copyTreeGrubDir, not directly.
 */
export function resolveGrubDir(treeDir: string | undefined, platform: GrubPlatform, hostRoot = '/'): { dir: string; from: 'tree' | 'host' } | undefined {
  const tree = treeDir ? new Tree(treeDir) : undefined;
  const inTree = tree ? treeGrubDir(tree, platform) : undefined;
  if (tree && inTree) return { dir: tree.resolve(inTree).host, from: 'tree' };
  const host = join(hostRoot, 'usr/lib/grub', platform);
  if (existsSync(join(host, 'kernel.img'))) return { dir: host, from: 'host' };
  return undefined;
}

/**
 * Copy the regular files of the tree's module directory, each resolved inside the tree, into `dest`:
 * grub-mkimage then reads no symlink of the tree (a module linked to a host file would end up in the
 * image). Subdirectories (x86_64-efi/monolithic) are not needed by grub-mkimage -d.
 */
export function copyTreeGrubDir(treeDir: string, platform: GrubPlatform, dest: string): void {
  const tree = new Tree(treeDir);
  const dir = treeGrubDir(tree, platform);
  if (!dir) throw new Error(`no GRUB ${platform} modules in ${treeDir}`);
  for (const name of tree.readdir(dir).sort()) {
    if (tree.isFile(`${dir}/${name}`)) writeFileSync(join(dest, name), tree.readFile(`${dir}/${name}`));
  }
}

export interface GrubImageRequest {
  platform: GrubPlatform;
  /** the UUID of the filesystem holding /boot/grub (the /boot fs when separate, else the root fs) */
  fsUuid: string;
  bootIsSeparate: boolean;
  /** module directory (see resolveGrubDir) */
  grubDir: string;
  /** where the temporary config and image are written */
  tmpDir: string;
  /** grub.cfg's directory under /boot: grub (default) or grub2 (BLS, bls.ts) */
  cfgDir?: string;
  /** modules beyond grubModules(platform): blscfg for BLS */
  extraModules?: string[];
}

/** Run grub-mkimage with an embedded config; returns the image bytes. */
export async function runGrubMkimage(
  ctx: { runner: Runner },
  req: {
    platform: GrubPlatform;
    grubDir: string;
    config: string;
    modules: string[];
    prefix: string;
    tmpDir: string;
  },
): Promise<Buffer> {
  const tmp = await mkdtemp(join(req.tmpDir, '.kiln-grub-'));
  try {
    const cfg = join(tmp, 'early.cfg');
    const out = join(tmp, 'grub.img');
    await writeFile(cfg, req.config);
    await ctx.runner.run('grub-mkimage', ['-d', req.grubDir, '-O', req.platform, '-o', out, '-p', req.prefix, '-c', cfg, ...req.modules], {
      context: `GRUB ${req.platform} image`,
    });
    return await readFile(out);
  } finally {
    removeScratchDir(tmp);
  }
}

/** The image for the disk: core.img for i386-pc, the EFI loader (BOOTX64.EFI, BOOTAA64.EFI, BOOTIA32.EFI) for the EFI platforms. */
export function buildGrubImage(ctx: { runner: Runner; log: Logger }, req: GrubImageRequest): Promise<Buffer> {
  return runGrubMkimage(ctx, {
    platform: req.platform,
    grubDir: req.grubDir,
    modules: [...grubModules(req.platform), ...(req.extraModules ?? [])],
    tmpDir: req.tmpDir,
    config: formatEarlyConfig(req.fsUuid, req.bootIsSeparate, req.cfgDir),
    prefix: grubPrefix(req.bootIsSeparate, req.cfgDir),
  });
}
