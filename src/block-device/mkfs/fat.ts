/**
 * FAT: mkfs.fat writes the empty filesystem into a sparse scratch file of the region's size, whose
 * data (boot sector, FATs, root directory: a few hundred KiB) is copied into the region. Then mtools
 * addresses the region as `image@@offset` to create directories (mmd) and copy files (mcopy, never -m:
 * it would leak host mtimes). The tree is walked in sorted order, so the result depends only on the
 * content, SOURCE_DATE_EPOCH and the derived volume serial.
 *
 * Why not `mkfs.fat --offset`: dosfstools 4.2 then picks the FAT size and the cluster size from the
 * size of the whole image FILE, not from the region (a 40 MiB region in a 600 MiB image becomes a
 * FAT32 with too few clusters, which mtools and firmware reject). On a scratch file of the region's
 * size, mkfs.fat decides exactly as it does on a partition device, as under DIB.
 */
import { KilnError } from '../../errors.js';
import { deriveU32 } from '../common/guid.js';
import { listTree, type TreeEntry } from './tree.js';
import { copyScratchIntoRegion, withScratchFile } from './region.js';
import { runTool, where } from './run.js';
import type { MkfsContext, MkfsRequest } from './types.js';

export const FAT_LABEL_MAX = 11;
/**
 * FAT32 (what UEFI specifies for an ESP) is forced from this size up; below, mkfs.fat picks FAT12/16.
 * FAT32 needs >= 65525 clusters: 64 MiB with mkfs.fat's 512-byte clusters (up to 260 MiB) has 131072.
 */
export const FAT32_MIN_BYTES = 64 * 1024 * 1024;
const BATCH = 200;

export function fatLabel(label: string | undefined): string | undefined {
  return label?.toUpperCase();
}

export function mkfsFatArgs(req: MkfsRequest, target: string): string[] {
  if (req.offsetBytes % 512 !== 0) throw new KilnError(`${where(req)}: offset is not a multiple of 512`);
  if (req.sizeBytes % 1024 !== 0) throw new KilnError(`${where(req)}: size ${req.sizeBytes} is not a multiple of 1 KiB`);
  const label = fatLabel(req.label);
  if (label && label.length > FAT_LABEL_MAX) {
    throw new KilnError(`label '${label}' is longer than ${FAT_LABEL_MAX} characters (vfat)`, {
      where: where(req),
      hint: 'give the mkfs node a shorter label',
    });
  }
  const serial = deriveU32(req.seed, 'fat-serial').toString(16).padStart(8, '0');
  // --invariant: dosfstools 4.2 ignores SOURCE_DATE_EPOCH and stamps the volume label entry with the
  // current time; --invariant makes that a constant (the explicit -i serial is kept)
  const args = ['--invariant', '-i', serial];
  if (label) args.push('-n', label);
  if (req.sizeBytes >= FAT32_MIN_BYTES && !req.opts.some((o) => o.startsWith('-F'))) args.push('-F', '32');
  args.push(...req.opts, target);
  return args;
}

/** FAT names are case-insensitive: two names differing only in case would make mcopy prompt. */
function checkCaseClashes(entries: TreeEntry[]): void {
  const seen = new Map<string, string>();
  for (const e of entries) {
    const k = e.path.toUpperCase();
    const other = seen.get(k);
    if (other !== undefined) throw new KilnError(`vfat: '${other}' and '${e.path}' differ only in case, which FAT cannot store`);
    seen.set(k, e.path);
  }
}

export async function makeFat(ctx: MkfsContext, req: MkfsRequest): Promise<void> {
  const env = { SOURCE_DATE_EPOCH: String(req.epoch), MTOOLS_SKIP_CHECK: '1', MTOOLSRC: '/dev/null', TZ: 'UTC' };
  mkfsFatArgs(req, '');
  await withScratchFile(req.image, req.sizeBytes, async (scratch) => {
    await ctx.runner.run('mkfs.fat', mkfsFatArgs(req, scratch), { env, context: `mkfs ${where(req)}` });
    await copyScratchIntoRegion(ctx, scratch, req.image, req.offsetBytes, req.sizeBytes);
  });
  if (!req.sourceDir) return;
  const src = req.sourceDir;
  const entries = (await listTree(ctx, src)).filter((e) => e.path !== '');
  checkCaseClashes(entries);
  const img = `${req.image}@@${req.offsetBytes}`;
  const dirs = entries.filter((e) => e.kind === 'dir');
  const skipped = entries.filter((e) => e.kind !== 'dir' && e.kind !== 'file');
  if (skipped.length)
    ctx.log.warn(
      `vfat ${where(req)}: FAT cannot store ${skipped.length} symlink(s)/special file(s), skipped: ${skipped
        .slice(0, 5)
        .map((e) => e.path)
        .join(', ')}`,
    );
  for (let i = 0; i < dirs.length; i += BATCH) {
    await runTool(ctx, true, 'mmd', ['-i', img, ...dirs.slice(i, i + BATCH).map((d) => `::/${d.path}`)], { env, context: 'mmd' });
  }
  const byDir = new Map<string, string[]>();
  for (const e of entries.filter((x) => x.kind === 'file')) {
    const parent = e.path.includes('/') ? e.path.slice(0, e.path.lastIndexOf('/')) : '';
    const list = byDir.get(parent);
    if (list) list.push(e.path);
    else byDir.set(parent, [e.path]);
  }
  for (const [dir, files] of byDir) {
    for (let i = 0; i < files.length; i += BATCH) {
      const sources = files.slice(i, i + BATCH).map((f) => `${src}/${f}`);
      await runTool(ctx, true, 'mcopy', ['-i', img, '-D', 'o', ...sources, dir ? `::/${dir}/` : '::/'], { env, context: 'mcopy' });
    }
  }
}
