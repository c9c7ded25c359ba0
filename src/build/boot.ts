/**
 * Making the assembled disk bootable (when the build has the `bootloader` element): grub.cfg in the
 * tree from DIB's bootloader variables and the block-device plan, then GRUB's boot code as bytes.
 */
import type { BlockDevicePlan } from '../block-device/index.js';
import { planBootInfo } from '../block-device/boot-info.js';
import {
  installBootloader,
  treeHasBlscfg,
  writeBlsConfig,
  writeGrubCfg,
  type BootMode,
  type BootTarget,
  type WriteGrubCfgOptions,
} from '../bootloader/index.js';
import { isGrubPlatform, type GrubPlatform } from '../bootloader/grub-image.js';
import type { BuildConfig } from '../config/build-config.js';
import { readSettings, type SettingValues } from '../config/read-settings.js';
import { aptDataFile } from '../distros/debian-data.js';
import { loadRpmData } from '../distros/rpm-data.js';
import { resolveArch } from '../arch/index.js';
import { KilnError } from '../errors.js';
import type { Build } from './build.js';
import { hookViewSettings } from './environment-d.js';

type BootloaderSettings = Pick<
  SettingValues<'environment.d'>,
  | 'bootloaderDefaultCmdline'
  | 'bootloaderUseSerialConsole'
  | 'bootloaderSerialConsole'
  | 'bootloaderVirtualTerminal'
  | 'noTimerCheck'
  | 'grubTimeout'
  | 'grubTimeoutStyle'
>;

/** DIB's bootloader variables (dib-compat 2), as read by readSettings -> grub.cfg options. */
export function grubOptions(s: BootloaderSettings): Omit<WriteGrubCfgOptions, 'rootUuid' | 'bootFsUuid' | 'bootIsSeparate'> {
  return {
    defaultCmdline: s.bootloaderDefaultCmdline,
    serial: s.bootloaderUseSerialConsole ? s.bootloaderSerialConsole : null,
    virtualTerminal: s.bootloaderVirtualTerminal,
    noTimerCheck: s.noTimerCheck,
    timeout: s.grubTimeout,
    timeoutStyle: s.grubTimeoutStyle,
  };
}

/** Where the boot pieces are, from the block-device plan. */
export function bootTargetOf(plan: BlockDevicePlan, image: string, treeDir: string, epoch: number, arch: string): BootTarget {
  const info = planBootInfo(plan);
  if (!info.rootFsUuid) throw new KilnError('the block-device layout has no filesystem mounted at /', { hint: 'a bootable image needs a root filesystem' });
  return { ...info, rootFsUuid: info.rootFsUuid, image, treeDir, epoch, arch: resolveArch(arch) };
}

/**
 * BIOS for an MBR or a GPT with a BIOS-boot partition, UEFI when there is an ESP; each only where
 * the arch has that GRUB platform (arm64: UEFI only).
 */
export function bootModeOf(t: BootTarget): BootMode | undefined {
  const bios = !!t.arch.grub.bios && (t.label === 'mbr' || (t.label === 'gpt' && t.biosBootPartition !== undefined));
  const efi = !!t.arch.grub.efi && t.esp !== undefined;
  return bios && efi ? 'both' : bios ? 'bios' : efi ? 'efi' : undefined;
}

/** The GRUB platforms a boot mode writes for the arch. */
export function grubPlatformsOf(t: BootTarget, mode: BootMode | undefined): GrubPlatform[] {
  const out: string[] = [];
  if ((mode === 'bios' || mode === 'both') && t.arch.grub.bios) out.push(t.arch.grub.bios);
  if ((mode === 'efi' || mode === 'both') && t.arch.grub.efi) out.push(t.arch.grub.efi);
  return out.filter(isGrubPlatform);
}

/** DISTRO_NAME as the hooks see it ('' when unset). */
function distroNameOf(config: BuildConfig, env: Record<string, string>): string {
  return hookViewSettings(config, env).distroName ?? '';
}

/** The Red Hat family's DISTRO_NAMEs (distros/*.yaml), for builds whose OS element has no Kiln bootstrap. */
const RPM_DISTROS = new Set(['centos', 'fedora', 'rhel', 'rocky', 'almalinux']);

/**
 * BLS entries (bootloader/bls.ts) for a Red Hat family image whose own GRUB, for every platform
 * the disk boots with, has the blscfg module; everything else keeps the menu grub.cfg.
 */
export function wantsBls(ctx: Pick<Build, 'plan' | 'ws' | 'config'>, t: BootTarget, env: Record<string, string>): boolean {
  const d = ctx.plan.bootstrap?.plan;
  const rpm = (d !== undefined && 'family' in d && d.family === 'rpm') || RPM_DISTROS.has(distroNameOf(ctx.config, env));
  return rpm && treeHasBlscfg(ctx.ws.tree, grubPlatformsOf(t, bootModeOf(t)));
}

/**
 * The Red Hat family's directory on the ESP (distros/<name>.yaml `grub.efi_dir`: EFI/fedora,
 * EFI/redhat...), undefined for the others (EFI/debian, as before).
 */
export function efiVendorOf(config: BuildConfig, env: Record<string, string>): string | undefined {
  const name = distroNameOf(config, env);
  if (!RPM_DISTROS.has(name)) return undefined;
  const dataDir = readSettings(config.env, config.flags, 'bootstrap').distroDataDir || undefined;
  return loadRpmData(aptDataFile(name, dataDir)).grub.efiDir.replace(/^EFI\//, '');
}

/** How the boot code is written: grub.cfg's place (BLS) and the ESP's vendor directory. */
export interface BootConfig {
  bls: boolean;
  efiVendor?: string;
}

/** grub.cfg (and the BLS entry) in the tree; returns how the boot code must find it. */
export function writeBootConfig(ctx: Build, plan: BlockDevicePlan, env: Record<string, string>): BootConfig {
  const vendor = efiVendorOf(ctx.config, env);
  const efi = vendor ? { efiVendor: vendor } : {};
  const t = bootTargetOf(plan, '', ctx.ws.tree, ctx.epoch, ctx.config.arch);
  const opts = {
    ...grubOptions(hookViewSettings(ctx.config, env)),
    rootUuid: t.rootFsUuid,
    ...(t.bootFsUuid ? { bootFsUuid: t.bootFsUuid, bootIsSeparate: true } : {}),
  };
  if (wantsBls(ctx, t, env)) {
    const paths = writeBlsConfig(ctx.ws.tree, { ...opts, searchUuid: t.bootFsUuid ?? t.rootFsUuid });
    ctx.log.info(`the image's GRUB has blscfg: wrote the BLS entry and grub.cfg ${paths.join(', ')}`);
    return { bls: true, ...efi };
  }
  const path = writeGrubCfg(ctx.ws.tree, opts);
  ctx.log.info(`wrote ${path}`);
  return { bls: false, ...efi };
}

export async function installBootCode(ctx: Build, plan: BlockDevicePlan, image: string, boot: BootConfig = { bls: false }): Promise<void> {
  const t: BootTarget = {
    ...bootTargetOf(plan, image, ctx.ws.tree, ctx.epoch, ctx.config.arch),
    tmpDir: ctx.ws.tmp,
    ...(boot.bls ? { bls: true } : {}),
    ...(boot.efiVendor ? { efiVendor: boot.efiVendor } : {}),
  };
  const mode = bootModeOf(t);
  if (!mode) {
    if (!t.arch.grub.bios && !t.arch.grub.efi) {
      throw new KilnError(`Kiln has no bootloader for ${t.arch.name}`, {
        hint: 'build a tar, docker or oci output for this architecture (leave out vm and bootloader)',
      });
    }
    throw new KilnError(
      `the bootloader element is in the build, but the layout has no place for ${t.arch.grub.bios ? 'boot code' : `${t.arch.name}'s UEFI boot code (it needs an ESP)`}`,
      {
        hint: t.arch.grub.bios ? 'use a partitioned layout: block-device-mbr, -gpt or -efi' : 'use block-device-efi',
      },
    );
  }
  await installBootloader(ctx, t, mode);
}
