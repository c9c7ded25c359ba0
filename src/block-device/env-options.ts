/**
 * DIB's block-device settings (read by readSettings from the environment: DIB_ROOT_FSTYPE,
 * DIB_IMAGE_SIZE, DIB_FSTAB_BY, ...) -> planner options. Pure: values in, options out.
 */
import type { SettingValues } from '../config/read-settings.js';
import type { PlanOptions } from './plan.js';

/** The settings both a build's layout stage and `kiln plan block-device` read. */
export type BlockDeviceSettings = Pick<
  SettingValues<'block-device'>,
  'rootFsType' | 'rootLabel' | 'blockSize' | 'imageExtraSize' | 'mkfsJournalSize' | 'imageSize' | 'fstabBy' | 'seed' | 'maxOnlineResize'
> &
  Partial<Pick<SettingValues<'block-device'>, 'mkfsOpts'>>;

/**
 * `asDiskImageCreate`: root-fs-opts as disk-image-create builds them: for an ext4 root
 * `-i 4096 -J size=<DIB_JOURNAL_SIZE>` before MKFS_OPTS (then `-E resize=<MAX_ONLINE_RESIZE>`
 * in front of all when set). Without it only MKFS_OPTS is used (as `dib-block-device` with a params file).
 */
export function planOptionsFromSettings(s: BlockDeviceSettings, how: { asDiskImageCreate?: boolean } = {}): PlanOptions {
  let rootFsOpts = s.mkfsOpts ?? '';
  if (how.asDiskImageCreate) {
    // lib/disk-image-create: the ext4 options are prepended first, then -E resize
    if (s.rootFsType === 'ext4') rootFsOpts = `-i 4096 -J size=${s.mkfsJournalSize} ${rootFsOpts}`;
    if (s.maxOnlineResize !== undefined) rootFsOpts = `-E resize=${s.maxOnlineResize} ${rootFsOpts}`;
  }
  rootFsOpts = rootFsOpts.trim();
  const o: PlanOptions = {
    params: { rootFsType: s.rootFsType, rootLabel: s.rootLabel ?? null, ...(rootFsOpts ? { rootFsOpts } : {}) },
    journalMiB: s.mkfsJournalSize,
    fstabBy: s.fstabBy,
  };
  if (s.blockSize !== undefined) o.blockSize = s.blockSize;
  if (s.imageExtraSize !== undefined) o.extraSizeMiB = s.imageExtraSize;
  if (s.imageSize !== undefined) o.imageSizeBytes = s.imageSize;
  if (s.seed !== undefined) o.seed = s.seed;
  return o;
}
