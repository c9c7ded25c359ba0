/**
 * The block-device stages of a build: plan the disk from the block-device YAML and the measured
 * tree (writing /etc/fstab into the tree before the finalise phases), then, once the tree is
 * final, plan again with its final size and assemble the image: filesystems from the tree,
 * partition tables and LVM as bytes, GRUB's configuration and boot code.
 */
import { join } from 'node:path';
import type { BlockDevicePlan, PlanOptions } from '../block-device/index.js';
import {
  executeBlockDevice,
  measureTree,
  planBlockDevice,
  planOptionsFromSettings,
  planSummary,
  selectBlockDeviceConfig,
  writeFstab,
} from '../block-device/index.js';
import type { BuildConfig } from '../config/build-config.js';
import type { BuildContext } from '../context.js';
import type { Element } from '../elements/element.js';
import { KilnError } from '../errors.js';
import { MiB } from '../units.js';
import { hookViewSettings } from './environment-d.js';
import type { BuildState } from './types.js';

/**
 * The planner's options from the hooks' environment (environment.d applied) and the command line's
 * flags, which win; the settings come from readSettings (scope environment.d).
 */
export function layoutOptions(config: BuildConfig, env: Record<string, string>, usedKiB: number): PlanOptions {
  const s = hookViewSettings(config, env);
  const o = planOptionsFromSettings(s);
  const fsType = s.rootFsType;
  const journal = s.mkfsJournalSize;
  const rootOpts: string[] = [];
  // DIB's root-fs-opts for ext4: -i 4096 -J size=<journal>, -E resize=N, then --mkfs-options.
  // mke2fs refuses a journal that is too big for the filesystem (a tiny tree); let it choose then.
  const estimateMiB = s.imageSize !== undefined ? s.imageSize / MiB : usedKiB / 1024 / 0.6 + journal;
  if (fsType === 'ext4') rootOpts.push('-i', '4096', ...(estimateMiB >= 8 * journal ? ['-J', `size=${journal}`] : []));
  if (s.maxOnlineResize !== undefined && fsType.startsWith('ext')) rootOpts.push('-E', `resize=${s.maxOnlineResize}`);
  if (s.mkfsOptions) rootOpts.push(s.mkfsOptions);
  if (rootOpts.length) o.params = { ...o.params!, rootFsOpts: rootOpts.join(' ') };
  o.tree = { usedKiB };
  o.requireRoot = true;
  // ids (GUIDs, UUIDs, signatures) derive from this seed: reproducible given SOURCE_DATE_EPOCH
  o.seed = s.seed || `${config.epoch}:${config.imageName}:${config.elements.join(',')}`;
  return o;
}

export async function planLayout(ctx: BuildContext, elements: Element[], env: Record<string, string>): Promise<BlockDevicePlan> {
  const src = selectBlockDeviceConfig({ blockDeviceConfig: hookViewSettings(ctx.config, env).blockDeviceConfig, arch: ctx.config.arch, elementDirs: elements });
  const used = await measureTree(ctx, ctx.ws.tree);
  const plan = planBlockDevice(src, layoutOptions(ctx.config, env, used));
  for (const w of plan.warnings) ctx.log.warn(w);
  return plan;
}

export async function planAndWriteFstab(ctx: BuildContext, state: BuildState, elements: Element[], env: Record<string, string>): Promise<void> {
  const plan = await planLayout(ctx, elements, env);
  ctx.log.info(planSummary(plan));
  await writeFstab(ctx, plan, ctx.ws.tree);
  state.blockDevice = plan;
}

/** Plan again with the final tree; the ids (and so /etc/fstab) must not change. */
export async function planFinalLayout(ctx: BuildContext, state: BuildState, elements: Element[], env: Record<string, string>): Promise<BlockDevicePlan> {
  const early = state.blockDevice as BlockDevicePlan | undefined;
  const plan = await planLayout(ctx, elements, env);
  if (early && JSON.stringify(early.fstab) !== JSON.stringify(plan.fstab)) {
    throw new KilnError('the block-device plan changed between fstab and assembly', { hint: 'this is a bug in Kiln; run with --debug and report it' });
  }
  state.blockDevice = plan;
  return plan;
}

export async function assembleImage(ctx: BuildContext, state: BuildState, plan: BlockDevicePlan): Promise<string> {
  const image = join(ctx.ws.image, `${ctx.config.imageName}.raw`);
  ctx.log.info(planSummary(plan));
  await executeBlockDevice(ctx, plan, {
    treeDir: ctx.ws.tree,
    imagePath: image,
    epoch: ctx.config.epoch,
    seed: `${ctx.config.epoch}:${ctx.config.imageName}`,
    writeFstab: false,
  });
  state.rawImage = image;
  return image;
}
