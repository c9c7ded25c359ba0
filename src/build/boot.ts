/**
 * Making the assembled disk bootable (when the build has the `bootloader` element): grub.cfg in the
 * tree from DIB's bootloader variables and the block-device plan, then GRUB's boot code as bytes.
 */
import type { BlockDevicePlan } from '../block-device/index.js';
import { planBootInfo } from '../block-device/boot-info.js';
import { installBootloader, writeGrubCfg, type BootMode, type BootTarget, type WriteGrubCfgOptions } from '../bootloader/index.js';
import type { SettingValues } from '../config/read-settings.js';
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

export function writeBootConfig(ctx: Build, plan: BlockDevicePlan, env: Record<string, string>): void {
  const t = bootTargetOf(plan, '', ctx.ws.tree, ctx.epoch, ctx.config.arch);
  const path = writeGrubCfg(ctx.ws.tree, {
    ...grubOptions(hookViewSettings(ctx.config, env)),
    rootUuid: t.rootFsUuid,
    ...(t.bootFsUuid ? { bootFsUuid: t.bootFsUuid, bootIsSeparate: true } : {}),
  });
  ctx.log.info(`wrote ${path}`);
}

export async function installBootCode(ctx: Build, plan: BlockDevicePlan, image: string): Promise<void> {
  const t = { ...bootTargetOf(plan, image, ctx.ws.tree, ctx.epoch, ctx.config.arch), tmpDir: ctx.ws.tmp };
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
