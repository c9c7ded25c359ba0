/**
 * Install GRUB into a disk image file without a device: BIOS = boot.img and core.img patched and
 * written as bytes (what grub-bios-setup does); EFI = the arch's loader (BOOTX64.EFI, BOOTAA64.EFI,
 * BOOTIA32.EFI) copied onto the ESP with mtools. Which platforms an arch has is the arch table's.
 * grub-install is not used: it wants a block device and /boot/grub in a mounted filesystem.
 * grub.cfg is written into the tree before assembly (see grub-cfg.ts).
 */
import { open, readFile, mkdtemp, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { ArchInfo } from '../arch/index.js';
import { KilnError } from '../errors.js';
import type { Runner } from '../exec/runner.js';
import type { Logger } from '../log.js';
import { removeScratchDir } from '../sandbox/mounts.js';
import { checkCoreFits, patchBootImg, patchCoreImg, planEmbedArea, SECTOR } from './grub-bios.js';
import { buildGrubImage, copyTreeGrubDir, GRUB_MODULE_PACKAGE, isGrubPlatform, resolveGrubDir, type GrubPlatform } from './grub-image.js';
import { BLS_GRUB_DIR } from './bls.js';
import { espPaths, writeEspFiles } from './esp.js';

export interface BootTarget {
  /** the image's architecture: its GRUB platforms and EFI loader name */
  arch: ArchInfo;
  image: string;
  sectorSize: number;
  label: 'mbr' | 'gpt' | 'none';
  /** GPT EF02; absent for MBR (core goes in the gap before the first partition) */
  biosBootPartition?: { startLba: number; sectors: number };
  firstPartitionLba?: number;
  /** for UEFI */
  esp?: { offsetBytes: number; sizeBytes: number };
  rootFsUuid: string;
  /** /boot if separate */
  bootFsUuid?: string;
  /** the final tree: its /usr/lib/grub has the target's GRUB modules when installed */
  treeDir: string;
  /** SOURCE_DATE_EPOCH for ESP file times (default: 1980-01-01, the FAT epoch) */
  epoch?: number;
  /** where temporary files go (a build's workspace); default: the image's directory */
  tmpDir?: string;
  /** grub.cfg is /boot/grub2/grub.cfg with BLS entries (bls.ts): GRUB gets blscfg and that prefix */
  bls?: boolean;
  /** the distro's directory on the ESP (EFI/<vendor>), default debian */
  efiVendor?: string;
}

export type BootMode = 'bios' | 'efi' | 'both';
export interface BootloaderContext {
  runner: Runner;
  log: Logger;
}

const FAT_EPOCH = 315532800;

/** Run fn with the GRUB module directory: the host's, or a copy of the tree's (see copyTreeGrubDir). */
async function withGrubDir<T>(ctx: BootloaderContext, t: BootTarget, platform: GrubPlatform, fn: (dir: string) => Promise<T>): Promise<T> {
  const found = resolveGrubDir(t.treeDir, platform);
  if (!found) {
    throw new KilnError(`no GRUB ${platform} modules in the tree (usr/lib/grub/${platform}, or usr/share/grub2/${platform} on openSUSE) or on the host`, {
      hint: `install ${GRUB_MODULE_PACKAGE[platform]} in the image (the bootloader element does) or on the host`,
    });
  }
  ctx.log.info(`GRUB ${platform}: modules from the ${found.from === 'tree' ? 'image' : 'HOST (the image has none)'}: ${found.dir}`);
  if (found.from === 'host') return fn(found.dir);
  const copy = await mkdtemp(join(tmpDirOf(t), '.kiln-grub-modules-'));
  try {
    copyTreeGrubDir(t.treeDir, platform, copy);
    return await fn(copy);
  } finally {
    removeScratchDir(copy);
  }
}

function tmpDirOf(t: BootTarget): string {
  return t.tmpDir ?? dirname(t.image);
}

function imageRequest(t: BootTarget, platform: GrubPlatform, grubDir: string) {
  return {
    platform,
    grubDir,
    fsUuid: t.bootFsUuid ?? t.rootFsUuid,
    bootIsSeparate: t.bootFsUuid !== undefined,
    tmpDir: tmpDirOf(t),
    ...(t.bls ? { cfgDir: BLS_GRUB_DIR, extraModules: ['blscfg'] } : {}),
  };
}

const BOOT_HINT =
  'Kiln writes GRUB for amd64 (BIOS and UEFI), i386 (BIOS and UEFI) and arm64 (UEFI); build a tar, docker or oci output for other architectures';

async function installBios(ctx: BootloaderContext, t: BootTarget): Promise<void> {
  if (t.arch.grub.bios !== 'i386-pc') throw new KilnError(`BIOS boot is not possible on ${t.arch.name}`, { hint: 'use block-device-efi (a GPT with an ESP)' });
  const area = planEmbedArea(t);
  const [core, bootImg] = await withGrubDir(
    ctx,
    t,
    'i386-pc',
    async (grubDir) =>
      [
        patchCoreImg(await buildGrubImage(ctx, imageRequest(t, 'i386-pc', grubDir)), area.startLba, t.sectorSize),
        await readFile(join(grubDir, 'boot.img')),
      ] as const,
  );
  checkCoreFits(core.length / SECTOR, area);
  const fh = await open(t.image, 'r+');
  try {
    const sector0 = Buffer.alloc(SECTOR);
    await fh.read(sector0, 0, SECTOR, 0);
    await fh.write(patchBootImg(bootImg, sector0, area.startLba), 0, SECTOR, 0);
    await fh.write(core, 0, core.length, area.startLba * SECTOR);
  } finally {
    await fh.close();
  }
  ctx.log.info(`GRUB BIOS: boot.img at LBA 0, core.img (${core.length / SECTOR} sectors) at LBA ${area.startLba} (${area.what})`);
}

async function installEfi(ctx: BootloaderContext, t: BootTarget): Promise<void> {
  if (!t.esp) {
    throw new KilnError('UEFI boot needs an EFI system partition (ESP)', {
      hint: "add a vfat partition with type 'EF00' mounted at /boot/efi to the block-device layout",
    });
  }
  const platform = t.arch.grub.efi;
  const bootFile = t.arch.efiBootFile;
  if (!isGrubPlatform(platform) || !bootFile) throw new KilnError(`Kiln has no UEFI bootloader for ${t.arch.name}`, { hint: BOOT_HINT });
  const efi = await withGrubDir(ctx, t, platform, (grubDir) => buildGrubImage(ctx, imageRequest(t, platform, grubDir)));
  const tmp = await mkdtemp(join(tmpDirOf(t), '.kiln-efi-'));
  try {
    const file = join(tmp, bootFile);
    await writeFile(file, efi);
    await writeEspFiles(ctx.runner, { image: t.image, offsetBytes: t.esp.offsetBytes }, file, t.epoch ?? FAT_EPOCH, bootFile, t.efiVendor);
  } finally {
    removeScratchDir(tmp);
  }
  const paths = espPaths(bootFile, t.efiVendor).map((p) => p.slice(2).replace(/\//g, '\\'));
  ctx.log.info(`GRUB ${platform}: ${paths.join(' and ')} (${efi.length} bytes) on the ESP at byte ${t.esp.offsetBytes}`);
}

export async function installBootloader(ctx: BootloaderContext, t: BootTarget, mode: BootMode): Promise<void> {
  if (mode === 'bios' || mode === 'both') await installBios(ctx, t);
  if (mode === 'efi' || mode === 'both') await installEfi(ctx, t);
}

export { formatGrubCfg, writeGrubCfg, findKernel, formatCmdline, type GrubCfgOptions, type WriteGrubCfgOptions } from './grub-cfg.js';
export { patchBootImg, patchCoreImg, planEmbedArea, MAX_CORE_SECTORS } from './grub-bios.js';
export { treeHasBlscfg, writeBlsConfig } from './bls.js';
