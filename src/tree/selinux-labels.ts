/**
 * Each path's SELinux label computed against the image's file_contexts, without writing anything:
 * for builds that cannot write security.* xattrs into the tree (unprivileged: they need CAP_SYS_ADMIN
 * in the initial user namespace; fakeroot mode). The labels are then written into the filesystems
 * after mkfs (mkfs/ext-labels.ts). `matchpathcon -m TYPE -f FILE_CONTEXTS PATH...` looks each path
 * up as a string with the file type forced, so the host's own files never decide a label.
 */
import { listTree, type TreeEntry, type TreeKind } from '../block-device/mkfs/tree.js';
import type { MkfsContext } from '../block-device/mkfs/types.js';

/** Image-absolute path ('/' for the root) -> context (system_u:object_r:etc_t:s0). */
export type SelinuxLabels = ReadonlyMap<string, string>;

/** What a build's relabel step did (build/selinux.ts), for files Kiln writes into the tree later (grub.cfg, BLS entries). */
export interface SelinuxState {
  /** the copy of the image's file_contexts */
  fileContexts: string;
  /** the labels are xattrs in the tree (setfiles); else `labels` holds them */
  inTree: boolean;
  labels?: Map<string, string>;
}

/**
 * matchpathcon -m reads only the FIRST letter of its argument (b c d p l s f), so a fifo is 'pipe':
 * 'fifo_file' would be read as a regular file.
 */
export const MATCHPATHCON_TYPE: Record<TreeKind, string> = {
  file: 'file',
  dir: 'dir',
  symlink: 'lnk_file',
  char: 'chr_file',
  block: 'blk_file',
  fifo: 'pipe',
  socket: 'sock_file',
};

/** matchpathcon's answer for a path no label applies to (file_contexts `<<none>>`): leave it unlabelled. */
const NONE = '<<none>>';
/** bytes of paths per matchpathcon run: far below ARG_MAX */
const ARGV_BYTES = 96 * 1024;

export interface LabelQuery {
  type: string;
  paths: string[];
}

/**
 * The matchpathcon runs for a listing: one per file type and batch of paths. Paths with a newline
 * cannot be read back from its line output: they are returned as `unlabelled`.
 */
export function planLabelQueries(entries: Pick<TreeEntry, 'path' | 'kind'>[], maxBytes = ARGV_BYTES): { queries: LabelQuery[]; unlabelled: string[] } {
  const byType = new Map<string, string[]>();
  const unlabelled: string[] = [];
  for (const e of entries) {
    const path = `/${e.path}`;
    if (path.includes('\n')) {
      unlabelled.push(path);
      continue;
    }
    const type = MATCHPATHCON_TYPE[e.kind];
    if (!byType.has(type)) byType.set(type, []);
    byType.get(type)!.push(path);
  }
  const queries: LabelQuery[] = [];
  for (const [type, paths] of byType) {
    let batch: string[] = [];
    let size = 0;
    for (const p of paths) {
      if (batch.length > 0 && size + p.length + 1 > maxBytes) {
        queries.push({ type, paths: batch });
        batch = [];
        size = 0;
      }
      batch.push(p);
      size += p.length + 1;
    }
    if (batch.length > 0) queries.push({ type, paths: batch });
  }
  return { queries, unlabelled };
}

export function matchpathconArgs(fileContexts: string, q: LabelQuery): string[] {
  return ['-f', fileContexts, '-m', q.type, '--', ...q.paths];
}

/**
 * `PATH<TAB>CONTEXT` lines. A path may hold a tab, a context never does: split at the last one.
 * Paths whose answer is <<none>> get no label.
 */
export function parseMatchpathcon(out: string, into = new Map<string, string>()): Map<string, string> {
  for (const line of out.split('\n')) {
    const tab = line.lastIndexOf('\t');
    if (tab <= 0) continue;
    const ctx = line.slice(tab + 1).trim();
    if (ctx === '' || ctx === NONE) continue;
    into.set(line.slice(0, tab), ctx);
  }
  return into;
}

/**
 * The label of every path under `dir` (listed as root of the tree sees it); `at` is where `dir` is
 * in the image ('/' when it is the tree itself).
 */
export async function computeLabels(
  ctx: MkfsContext,
  dir: string,
  fileContexts: string,
  at = '/',
): Promise<{ labels: Map<string, string>; unlabelled: string[] }> {
  const prefix = at === '/' ? '' : `${at.replace(/^\/+|\/+$/g, '')}/`;
  const entries = (await listTree(ctx, dir)).map((e) => ({ kind: e.kind, path: e.path === '' ? prefix.replace(/\/$/, '') : `${prefix}${e.path}` }));
  const { queries, unlabelled } = planLabelQueries(entries);
  const labels = new Map<string, string>();
  for (const q of queries) {
    // exit 1: some path had no entry at all (not even a default): it stays unlabelled
    const r = await ctx.runner.run('matchpathcon', matchpathconArgs(fileContexts, q), { okExitCodes: [1], context: 'SELinux labels (matchpathcon)' });
    parseMatchpathcon(r.stdout, labels);
  }
  // matchpathcon prints '/' for the root and strips a trailing '/' from others: keys match the queries
  return { labels, unlabelled };
}

/**
 * The labels of one filesystem, keyed by its own absolute paths: the entries at and under its mount
 * point, without those that belong to a filesystem mounted deeper (the mount point directory itself
 * stays: it is the empty directory the deeper filesystem is mounted on).
 */
export function labelsOfFilesystem(labels: SelinuxLabels, mountPoint: string, mountPoints: string[]): Map<string, string> {
  const mp = mountPoint === '/' ? '' : mountPoint.replace(/\/+$/, '');
  const under = (p: string, dir: string): boolean => dir === '' || p === dir || p.startsWith(`${dir}/`);
  const deeper = mountPoints.map((m) => m.replace(/\/+$/, '')).filter((m) => m !== '' && m !== mp && under(m, mp));
  const out = new Map<string, string>();
  for (const [p, c] of labels) {
    if (!under(p === '/' ? '' : p, mp) && !(mp === '' && p === '/')) continue;
    if (deeper.some((d) => p.startsWith(`${d}/`))) continue;
    const rel = mp === '' ? p : p.slice(mp.length) || '/';
    out.set(rel, c);
  }
  return out;
}
