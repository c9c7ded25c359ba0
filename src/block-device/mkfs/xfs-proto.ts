/**
 * mkfs.xfs protofile (xfs_mkfs(8) "-p protofile") from a tree listing. Format:
 *   line 1 boot image name (ignored), line 2 "blocks inodes", then the root directory
 *   "d--755 uid gid", and per entry "name mode uid gid [extra]" where mode is 6 characters:
 *   type (- b c d p l), setuid (u|-), setgid (g|-), 3 octal digits; extra is the source path of a
 *   regular file, "major minor" of a device, the target of a symlink; a directory's entries follow it
 *   and end with "$". Tokens are whitespace-separated, so names with white space cannot be expressed;
 *   the sticky bit cannot be either (returned in `sticky` to be set afterwards with xfs_db).
 */
import { KilnError } from '../../errors.js';
import type { TreeEntry } from './tree.js';

const TYPE: Record<TreeEntry['kind'], string | undefined> = { file: '-', dir: 'd', symlink: 'l', block: 'b', char: 'c', fifo: 'p', socket: undefined };

function mode(e: TreeEntry): string {
  return `${TYPE[e.kind]}${e.mode & 0o4000 ? 'u' : '-'}${e.mode & 0o2000 ? 'g' : '-'}${(e.mode & 0o777).toString(8).padStart(3, '0')}`;
}

export interface XfsProto {
  text: string;
  /** paths (relative, '' = root) whose sticky bit must be set after mkfs */
  sticky: string[];
  /** entries that could not be represented (sockets) */
  skipped: string[];
}

export function encodeXfsProto(sourceDir: string, entries: TreeEntry[]): XfsProto {
  const bad = entries.filter((e) => /\s/.test(e.path) || (e.target !== undefined && /\s/.test(e.target)) || /\s/.test(sourceDir));
  if (bad.length) {
    throw new KilnError(`xfs: ${bad.length} path(s) contain white space, which a mkfs.xfs protofile cannot express (e.g. '${bad[0]!.path}')`, {
      hint: 'rename them, or use ext4 for this filesystem',
    });
  }
  const root = entries.find((e) => e.path === '');
  const lines = [
    '/dev/null',
    '0 0',
    `d${mode(root ?? { path: '', kind: 'dir', mode: 0o755, uid: 0, gid: 0, atime: 0, mtime: 0, ctime: 0 }).slice(1)} ${root?.uid ?? 0} ${root?.gid ?? 0}`,
  ];
  const sticky = root && root.mode & 0o1000 ? [''] : [];
  const skipped: string[] = [];
  const open: string[] = []; // stack of open directory paths
  for (const e of entries) {
    if (e.path === '') continue;
    const parent = e.path.includes('/') ? e.path.slice(0, e.path.lastIndexOf('/')) : '';
    while (open.length && open[open.length - 1] !== parent) {
      lines.push('$');
      open.pop();
    }
    const t = TYPE[e.kind];
    if (!t) {
      skipped.push(e.path);
      continue;
    }
    const name = e.path.slice(parent ? parent.length + 1 : 0);
    const head = `${name} ${mode(e)} ${e.uid} ${e.gid}`;
    if (e.kind === 'file') lines.push(`${head} ${sourceDir}/${e.path}`);
    else if (e.kind === 'symlink') lines.push(`${head} ${e.target}`);
    else if (e.kind === 'block' || e.kind === 'char') lines.push(`${head} ${e.major ?? 0} ${e.minor ?? 0}`);
    else lines.push(head);
    if (e.mode & 0o1000) sticky.push(e.path);
    if (e.kind === 'dir') open.push(e.path);
  }
  while (open.length) {
    lines.push('$');
    open.pop();
  }
  lines.push('$');
  return { text: `${lines.join('\n')}\n`, sticky, skipped };
}
