/**
 * A build's block-device layout inputs, from the host stages' settings (readSettings, scope
 * environment.d: the hooks' view, the command line's flags winning): which YAML, the frame's options
 * (legacy root params, block size, fstab form, the ids' seed) and the sizing's (image size or the
 * measured tree, and the root filesystem's options that depend on its size). Pure.
 */
import type { BlockDeviceSource, FrameOptions, SizeOptions } from '../block-device/index.js';
import { planOptionsFromSettings, selectBlockDeviceConfig } from '../block-device/index.js';
import type { BuildConfig } from '../config/build-config.js';
import type { SettingValues } from '../config/read-settings.js';
import type { Element } from '../elements/element.js';
import { MiB } from '../units.js';

type HostSettings = SettingValues<'environment.d'>;

export function layoutSource(config: BuildConfig, s: HostSettings, elements: Element[]): BlockDeviceSource {
  return selectBlockDeviceConfig({ blockDeviceConfig: s.blockDeviceConfig, arch: config.arch, elementDirs: elements });
}

/** Everything the frame needs; the root filesystem's options are a sizing matter (rootFsOptions). */
export function frameOptions(config: BuildConfig, s: HostSettings, epoch: number): FrameOptions {
  const o = planOptionsFromSettings(s);
  const { rootFsOpts: _sized, ...params } = o.params ?? {};
  return {
    params,
    ...(o.blockSize !== undefined ? { blockSize: o.blockSize } : {}),
    ...(o.fstabBy !== undefined ? { fstabBy: o.fstabBy } : {}),
    requireRoot: true,
    // ids (GUIDs, UUIDs, signatures) derive from this seed: reproducible given SOURCE_DATE_EPOCH
    seed: s.seed || `${epoch}:${config.imageName}:${config.elements.join(',')}`,
  };
}

/** The sizing's options: the image size given, else the measured tree (absent before the build). */
export function sizeOptions(s: HostSettings, usedKiB?: number): SizeOptions {
  const o = planOptionsFromSettings(s);
  const rootFsOpts = rootFsOptions(s, usedKiB ?? 0) ?? o.params?.rootFsOpts;
  return {
    ...(o.imageSizeBytes !== undefined ? { imageSizeBytes: o.imageSizeBytes } : {}),
    ...(usedKiB !== undefined ? { tree: { usedKiB } } : {}),
    ...(o.extraSizeMiB !== undefined ? { extraSizeMiB: o.extraSizeMiB } : {}),
    ...(o.journalMiB !== undefined ? { journalMiB: o.journalMiB } : {}),
    ...(rootFsOpts !== undefined ? { rootFsOpts } : {}),
  };
}

/**
 * DIB's root-fs-opts for ext4: -i 4096 -J size=<journal>, -E resize=N, then --mkfs-options.
 * mke2fs refuses a journal that is too big for the filesystem (a tiny tree); let it choose then.
 */
function rootFsOptions(s: HostSettings, usedKiB: number): string | undefined {
  const journal = s.mkfsJournalSize;
  const rootOpts: string[] = [];
  const estimateMiB = s.imageSize !== undefined ? s.imageSize / MiB : usedKiB / 1024 / 0.6 + journal;
  if (s.rootFsType === 'ext4') rootOpts.push('-i', '4096', ...(estimateMiB >= 8 * journal ? ['-J', `size=${journal}`] : []));
  if (s.maxOnlineResize !== undefined && s.rootFsType.startsWith('ext')) rootOpts.push('-E', `resize=${s.maxOnlineResize}`);
  if (s.mkfsOptions) rootOpts.push(s.mkfsOptions);
  return rootOpts.length ? rootOpts.join(' ') : undefined;
}
