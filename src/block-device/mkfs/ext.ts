/**
 * ext2/3/4 straight into the region with mke2fs -E offset=N -d DIR (no loop device), as root of
 * the tree. mke2fs keeps only the LAST -E, so every extended option (ours and DIB opts') is merged
 * into one. Reproducible: E2FSPROGS_FAKE_TIME, -U, hash_seed; then inode times are clamped to the epoch and
 * s_kbytes_written is zeroed (ext-normalize.ts). SELinux labels the tree could not hold are written
 * with debugfs in between (ext-labels.ts).
 */
import { KilnError } from '../../errors.js';
import { deriveGuid } from '../common/guid.js';
import { writeExtLabels } from './ext-labels.js';
import { clampExtInodeTimes, normalizeExtSuperblocks } from './ext-normalize.js';
import { runTool, where } from './run.js';
import type { MkfsContext, MkfsRequest } from './types.js';

export const EXT_LABEL_MAX = 16;

/** Split DIB opts into the -E values and everything else (-E x, -Ex, --? no: mke2fs has no long opts). */
export function splitExtendedOpts(opts: string[]): { extended: string[]; rest: string[] } {
  const extended: string[] = [];
  const rest: string[] = [];
  for (let i = 0; i < opts.length; i++) {
    const o = opts[i]!;
    if (o === '-E') {
      const v = opts[++i];
      if (v === undefined) throw new KilnError('mkfs opts: -E needs a value');
      extended.push(...v.split(',').filter(Boolean));
    } else if (o.startsWith('-E')) extended.push(...o.slice(2).split(',').filter(Boolean));
    else rest.push(o);
  }
  return { extended, rest };
}

/** mke2fs version as [major, minor, patch] from `mke2fs -V` ("mke2fs 1.47.0 (5-Feb-2023)"). */
export function parseMke2fsVersion(text: string): [number, number, number] | undefined {
  const m = /mke2fs (\d+)\.(\d+)(?:\.(\d+))?/.exec(text);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)] : undefined;
}

const atLeast = (v: [number, number, number], w: [number, number, number]): boolean =>
  v[0] !== w[0] ? v[0] > w[0] : v[1] !== w[1] ? v[1] > w[1] : v[2] >= w[2];

/** Features GRUB 2.06 cannot read that newer mke2fs may turn on; disabled when this mke2fs knows them. */
export function disabledFeatures(version: [number, number, number] | undefined): string[] {
  const off: string[] = [];
  if (version && atLeast(version, [1, 43, 0])) off.push('^metadata_csum_seed');
  if (version && atLeast(version, [1, 47, 0])) off.push('^orphan_file');
  return off;
}

export function mke2fsArgs(req: MkfsRequest, version: [number, number, number] | undefined): string[] {
  if (req.sizeBytes % 1024 !== 0) throw new KilnError(`${where(req)}: size ${req.sizeBytes} is not a multiple of 1 KiB`);
  if (req.label && req.label.length > EXT_LABEL_MAX) {
    throw new KilnError(`label '${req.label}' is longer than ${EXT_LABEL_MAX} characters (${req.type})`, { where: where(req) });
  }
  const { extended, rest } = splitExtendedOpts(req.opts);
  const ours = [`offset=${req.offsetBytes}`, 'nodiscard', `hash_seed=${deriveGuid(req.seed, 'ext-hash-seed')}`, 'root_owner=0:0'];
  const keys = new Set(extended.map((e) => e.split('=')[0]));
  const merged = [...ours.filter((o) => !keys.has(o.split('=')[0])), ...extended];
  const args = ['-q', '-F', '-t', req.type];
  if (req.label !== undefined) args.push('-L', req.label);
  args.push('-U', req.uuid ?? deriveGuid(req.seed, 'fs-uuid'));
  const off = disabledFeatures(version);
  if (off.length) args.push('-O', off.join(','));
  args.push(...rest, '-E', merged.join(','));
  if (req.sourceDir) args.push('-d', req.sourceDir);
  args.push(req.image, `${req.sizeBytes / 1024}k`);
  return args;
}

export async function makeExt(ctx: MkfsContext, req: MkfsRequest): Promise<void> {
  const v = await ctx.runner.run('mke2fs', ['-V'], { okExitCodes: [1] });
  const version = parseMke2fsVersion(`${v.stdout}${v.stderr}`);
  await runTool(ctx, req.sourceDir !== undefined, 'mke2fs', mke2fsArgs(req, version), {
    env: { E2FSPROGS_FAKE_TIME: String(req.epoch), E2FSPROGS_SKIP_PROGRESS: '1' },
    context: `mkfs ${where(req)}`,
  });
  // before the times are clamped: debugfs stamps the inodes it changes
  if (req.selinuxLabels) await writeExtLabels(ctx, req, req.selinuxLabels);
  const inodes = clampExtInodeTimes(req.image, req.offsetBytes, req.epoch);
  const n = normalizeExtSuperblocks(req.image, req.offsetBytes);
  ctx.log.debug(`ext: clamped the times of ${inodes} inode(s) to ${req.epoch}; zeroed s_kbytes_written in ${n} superblock(s)`);
}
