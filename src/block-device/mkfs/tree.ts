/**
 * List a source tree as root of the tree sees it (ids inside the user namespace when unprivileged),
 * in a stable order: parents before children, names compared bytewise (like mke2fs -d).
 */
import { KilnError } from '../../errors.js';
import { runTool } from './run.js';
import type { MkfsContext } from './types.js';

export type TreeKind = 'file' | 'dir' | 'symlink' | 'block' | 'char' | 'fifo' | 'socket';

export interface TreeEntry {
  /** relative to the root, '' for the root itself, '/'-separated */
  path: string;
  kind: TreeKind;
  /** permission bits including setuid/setgid/sticky */
  mode: number;
  uid: number;
  gid: number;
  target?: string;
  /** whole seconds since the epoch */
  atime: number;
  mtime: number;
  ctime: number;
  major?: number;
  minor?: number;
}

const KINDS: Record<string, TreeKind> = { f: 'file', d: 'dir', l: 'symlink', b: 'block', c: 'char', p: 'fifo', s: 'socket' };
const FIELDS = 9;
export const FIND_FORMAT = '%y\\0%m\\0%U\\0%G\\0%A@\\0%T@\\0%C@\\0%P\\0%l\\0';

export function comparePaths(a: string, b: string): number {
  const pa = a === '' ? [] : a.split('/');
  const pb = b === '' ? [] : b.split('/');
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    const c = Buffer.compare(Buffer.from(pa[i]!), Buffer.from(pb[i]!));
    if (c !== 0) return c;
  }
  return pa.length - pb.length;
}

/** Parse `find -printf FIND_FORMAT` output. */
export function parseFindOutput(out: string): TreeEntry[] {
  const f = out.split('\0');
  const entries: TreeEntry[] = [];
  for (let i = 0; i + FIELDS <= f.length; i += FIELDS) {
    const kind = KINDS[f[i]!];
    if (!kind) throw new KilnError(`unexpected file type '${f[i]}' for '${f[i + 7]}' in the source tree`);
    const e: TreeEntry = {
      kind,
      mode: parseInt(f[i + 1]!, 8),
      uid: Number(f[i + 2]),
      gid: Number(f[i + 3]),
      atime: Math.floor(Number(f[i + 4])),
      mtime: Math.floor(Number(f[i + 5])),
      ctime: Math.floor(Number(f[i + 6])),
      path: f[i + 7]!,
    };
    if (kind === 'symlink') e.target = f[i + 8]!;
    entries.push(e);
  }
  return entries.sort((a, b) => comparePaths(a.path, b.path));
}

export async function listTree(ctx: MkfsContext, dir: string): Promise<TreeEntry[]> {
  const r = await runTool(ctx, true, 'find', [dir, '-printf', FIND_FORMAT]);
  const entries = parseFindOutput(r.stdout);
  const devs = entries.filter((e) => e.kind === 'block' || e.kind === 'char');
  if (devs.length) {
    // find has no rdev format; stat prints major/minor in hex
    const s = await runTool(ctx, true, 'stat', ['--printf', '%t %T\\0', ...devs.map((d) => `${dir}/${d.path}`)]);
    s.stdout
      .split('\0')
      .slice(0, devs.length)
      .forEach((mm, i) => {
        const [ma, mi] = mm.split(' ');
        devs[i]!.major = parseInt(ma!, 16);
        devs[i]!.minor = parseInt(mi!, 16);
      });
  }
  return entries;
}
