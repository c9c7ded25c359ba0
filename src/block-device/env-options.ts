/**
 * DIB environment variables -> planner options. Pure: the caller passes the environment in (only
 * src/cli reads process.env). DIB_IMAGE_SIZE is in GiB as disk-image-create's --image-size.
 */
import { KilnError } from '../errors.js';
import { bytesOf, GiB, type Bytes } from '../units.js';
import { parseAbsSize } from './common/sizes.js';
import type { PlanOptions } from './plan.js';

type Env = Record<string, string | undefined>;

function num(env: Env, key: string): number | undefined {
  const v = env[key];
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new KilnError(`${key}=${v} is not a number`, { where: key });
  return n;
}

/** `--image-size` / DIB_IMAGE_SIZE: a bare number is GiB (as disk-image-create); else a DIB size spec. */
export function parseImageSizeArg(text: string): Bytes {
  if (/^\d+(\.\d+)?$/.test(text.trim())) return bytesOf(Number(text), GiB);
  return parseAbsSize(text.trim());
}

/**
 * `asDiskImageCreate`: root-fs-opts as disk-image-create builds them: for an ext4 root
 * `-i 4096 -J size=<DIB_JOURNAL_SIZE or 64>` before MKFS_OPTS (then `-E resize=<MAX_ONLINE_RESIZE>`
 * in front of all when set). Without it only MKFS_OPTS is used (as `dib-block-device` with a params file).
 */
export function planOptionsFromEnv(env: Env, how: { asDiskImageCreate?: boolean } = {}): PlanOptions {
  const rootFsType = env['DIB_ROOT_FSTYPE'] || env['FS_TYPE'] || 'ext4';
  let rootFsOpts = env['MKFS_OPTS'] ?? '';
  if (how.asDiskImageCreate) {
    // lib/disk-image-create: the ext4 options are prepended first, then -E resize
    if (rootFsType === 'ext4') rootFsOpts = `-i 4096 -J size=${env['DIB_JOURNAL_SIZE'] || '64'} ${rootFsOpts}`;
    if (env['MAX_ONLINE_RESIZE']) rootFsOpts = `-E resize=${env['MAX_ONLINE_RESIZE']} ${rootFsOpts}`;
  }
  rootFsOpts = rootFsOpts.trim();
  const o: PlanOptions = {
    params: {
      rootFsType,
      rootLabel: env['DIB_ROOT_LABEL'] || env['ROOT_LABEL'] || null,
      ...(rootFsOpts ? { rootFsOpts } : {}),
    },
  };
  const bs = num(env, 'DIB_BLOCK_SIZE');
  if (bs !== undefined) o.blockSize = bs;
  const extra = num(env, 'DIB_IMAGE_EXTRA_SIZE');
  if (extra !== undefined) o.extraSizeMiB = extra;
  const journal = num(env, 'DIB_JOURNAL_SIZE');
  if (journal !== undefined) o.journalMiB = journal;
  if (env['DIB_IMAGE_SIZE']) o.imageSizeBytes = parseImageSizeArg(env['DIB_IMAGE_SIZE']);
  const by = env['DIB_FSTAB_BY'];
  if (by !== undefined && by !== '') {
    if (by !== 'label' && by !== 'uuid') throw new KilnError(`DIB_FSTAB_BY=${by}: expected label or uuid`, { where: 'DIB_FSTAB_BY' });
    o.fstabBy = by;
  }
  if (env['KILN_SEED']) o.seed = env['KILN_SEED'];
  return o;
}
