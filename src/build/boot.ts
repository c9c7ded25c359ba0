/**
 * Making the assembled disk bootable (when the build has the `bootloader` element): grub.cfg in the
 * tree from DIB's bootloader variables and the block-device plan, then GRUB's boot code as bytes.
 */
import type { BlockDevicePlan } from '../block-device/index.js';
import { planBootInfo } from '../block-device/boot-info.js';
import { installBootloader, writeGrubCfg, type BootMode, type BootTarget, type WriteGrubCfgOptions } from '../bootloader/index.js';
import type { BuildContext } from '../context.js';
import { KilnError } from '../errors.js';

const isTrue = (v: string | undefined, dflt: boolean): boolean =>
  v === undefined || v === '' ? dflt : /^(1|true|yes|on)$/i.test(v);

/** DIB's bootloader variables (dib-compat 2) -> grub.cfg options. */
export function grubOptionsFromEnv(env: Record<string, string>, arch: string): Omit<WriteGrubCfgOptions, 'rootUuid' | 'bootFsUuid' | 'bootIsSeparate'> {
  const serialDefault = arch === 'arm64' || arch === 'aarch64' ? 'ttyAMA0,115200' : arch.startsWith('ppc') ? 'hvc0' : 'ttyS0,115200';
  const timeout = env['DIB_GRUB_TIMEOUT'];
  const style = env['DIB_GRUB_TIMEOUT_STYLE'];
  if (style !== undefined && style !== '' && !['menu', 'countdown', 'hidden'].includes(style)) {
    throw new KilnError(`DIB_GRUB_TIMEOUT_STYLE=${style}: expected menu, countdown or hidden`, { where: 'DIB_GRUB_TIMEOUT_STYLE' });
  }
  if (timeout !== undefined && timeout !== '' && !/^\d+$/.test(timeout)) {
    throw new KilnError(`DIB_GRUB_TIMEOUT=${timeout}: expected a number of seconds`, { where: 'DIB_GRUB_TIMEOUT' });
  }
  return {
    ...(env['DIB_BOOTLOADER_DEFAULT_CMDLINE'] !== undefined ? { defaultCmdline: env['DIB_BOOTLOADER_DEFAULT_CMDLINE'] } : {}),
    serial: isTrue(env['DIB_BOOTLOADER_USE_SERIAL_CONSOLE'], true) ? (env['DIB_BOOTLOADER_SERIAL_CONSOLE'] || serialDefault) : null,
    ...(env['DIB_BOOTLOADER_VIRTUAL_TERMINAL'] !== undefined ? { virtualTerminal: env['DIB_BOOTLOADER_VIRTUAL_TERMINAL'] } : {}),
    noTimerCheck: isTrue(env['DIB_NO_TIMER_CHECK'], true),
    ...(timeout ? { timeout: Number(timeout) } : {}),
    ...(style ? { timeoutStyle: style as 'menu' | 'countdown' | 'hidden' } : {}),
  };
}

/** Where the boot pieces are, from the block-device plan. */
export function bootTargetOf(plan: BlockDevicePlan, image: string, treeDir: string, epoch: number): BootTarget {
  const info = planBootInfo(plan);
  if (!info.rootFsUuid) throw new KilnError('the block-device layout has no filesystem mounted at /', { hint: 'a bootable image needs a root filesystem' });
  return { ...info, rootFsUuid: info.rootFsUuid, image, treeDir, epoch };
}

/** BIOS for an MBR or a GPT with a BIOS-boot partition, UEFI when there is an ESP. */
export function bootModeOf(t: BootTarget): BootMode | undefined {
  const bios = t.label === 'mbr' || (t.label === 'gpt' && t.biosBootPartition !== undefined);
  const efi = t.esp !== undefined;
  return bios && efi ? 'both' : bios ? 'bios' : efi ? 'efi' : undefined;
}

export function writeBootConfig(ctx: BuildContext, plan: BlockDevicePlan, env: Record<string, string>): void {
  const t = bootTargetOf(plan, '', ctx.ws.tree, ctx.config.epoch);
  const path = writeGrubCfg(ctx.ws.tree, {
    ...grubOptionsFromEnv(env, ctx.config.arch), rootUuid: t.rootFsUuid,
    ...(t.bootFsUuid ? { bootFsUuid: t.bootFsUuid, bootIsSeparate: true } : {}),
  });
  ctx.log.info(`wrote ${path}`);
}

export async function installBootCode(ctx: BuildContext, plan: BlockDevicePlan, image: string): Promise<void> {
  const t = { ...bootTargetOf(plan, image, ctx.ws.tree, ctx.config.epoch), tmpDir: ctx.ws.tmp };
  const mode = bootModeOf(t);
  if (!mode) {
    throw new KilnError('the bootloader element is in the build, but the layout has no place for boot code', {
      hint: 'use a partitioned layout: block-device-mbr, -gpt or -efi',
    });
  }
  await installBootloader(ctx, t, mode);
}
