/**
 * Host-side file operations on the image tree. The tree is untrusted data: hooks and package scripts
 * write it, and may leave symlinks anywhere. Every path here is tree-absolute and resolved inside the
 * tree (path.ts), so no operation reaches a file outside it:
 *  - reads, writes and mkdir follow symlinks *inside the tree*, as a chrooted process would
 *    (`cat > /etc/fstab` in a chroot writes where the tree's /etc/fstab link points, in the tree);
 *  - remove and rename act on the last component itself, never on what a symlink there points to.
 * Removing a directory's contents and truncating files run as root of the tree: see root-ops.ts.
 */
import {
  closeSync,
  constants,
  fchmodSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmdirSync,
  unlinkSync,
  writeSync,
  type Stats,
} from 'node:fs';
import { resolveInTree, treeError, type TreePath } from './path.js';

const errno = (e: unknown): string => (e as NodeJS.ErrnoException).code ?? (e as Error).message;

function kindOf(st: Stats): string {
  return st.isDirectory() ? 'a directory' : st.isSymbolicLink() ? 'a symlink' : st.isFile() ? 'a file' : 'a special file';
}

export class Tree {
  constructor(readonly root: string) {}

  /** Resolve in the tree (following symlinks in it, the last one too unless followFinal is false). */
  resolve(path: string, followFinal = true): TreePath {
    return resolveInTree(this.root, path, { followFinal });
  }

  /** The entry itself (a symlink is reported as one); undefined when absent. */
  lstat(path: string): Stats | undefined {
    return this.resolve(path, false).stat;
  }

  /** What the path leads to in the tree; undefined when absent or a dangling symlink. */
  stat(path: string): Stats | undefined {
    return this.resolve(path).stat;
  }

  exists(path: string): boolean {
    return this.lstat(path) !== undefined;
  }

  isDirectory(path: string): boolean {
    return this.stat(path)?.isDirectory() ?? false;
  }

  isFile(path: string): boolean {
    return this.stat(path)?.isFile() ?? false;
  }

  /** Names in a directory of the tree (unsorted, as readdir). */
  readdir(path: string): string[] {
    const p = this.resolve(path);
    if (!p.stat?.isDirectory()) throw treeError(p.path, p.stat ? `is ${kindOf(p.stat)}, not a directory` : 'does not exist');
    return readdirSync(p.host);
  }

  readFile(path: string): Buffer {
    const p = this.resolve(path);
    if (!p.stat?.isFile()) throw treeError(p.path, p.stat ? `is ${kindOf(p.stat)}, not a file` : 'does not exist');
    const fd = openFile(p, constants.O_RDONLY);
    try {
      return readFileSync(fd);
    } finally {
      closeSync(fd);
    }
  }

  /**
   * Write a regular file (created or truncated) with this mode; its directory must exist. A symlink
   * at the path is followed in the tree. Returns the host path written.
   */
  writeFile(path: string, data: string | Buffer, mode = 0o644): string {
    const p = this.resolve(path);
    if (p.stat && !p.stat.isFile()) throw treeError(p.path, `is ${kindOf(p.stat)}, not a file: not written`);
    if (!p.parentExists) throw treeError(p.path, `its directory ${p.resolved.replace(/\/[^/]*$/, '') || '/'} does not exist`);
    const fd = openFile(p, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC, mode);
    try {
      const buf = typeof data === 'string' ? Buffer.from(data) : data;
      for (let off = 0; off < buf.length; ) off += writeSync(fd, buf, off, buf.length - off);
      fchmodSync(fd, mode);
    } finally {
      closeSync(fd);
    }
    return p.host;
  }

  /** mkdir -p in the tree (symlinked directories are followed in it). Returns the host path. */
  mkdirp(path: string, mode = 0o755): string {
    const p = this.resolve(path);
    if (p.stat?.isDirectory()) return p.host;
    if (p.stat) throw treeError(p.path, `is ${kindOf(p.stat)}, not a directory`);
    if (!p.parentExists) this.mkdirp(p.resolved.replace(/\/[^/]*$/, '') || '/', mode);
    try {
      mkdirSync(p.host, { mode });
    } catch (e) {
      throw treeError(p.path, `cannot create ${p.resolved}: ${errno(e)}`, undefined, e);
    }
    return p.host;
  }

  /** Remove a file, a symlink (not its target) or an empty directory. Absent: nothing to do. */
  remove(path: string): void {
    const p = this.resolve(path, false);
    if (!p.stat) return;
    try {
      if (p.stat.isDirectory()) rmdirSync(p.host);
      else unlinkSync(p.host);
    } catch (e) {
      throw treeError(p.path, `cannot remove it: ${errno(e)}`, undefined, e);
    }
  }

  /** Rename an entry (a symlink is moved as a symlink) within the tree. */
  rename(from: string, to: string): void {
    const a = this.resolve(from, false);
    const b = this.resolve(to, false);
    if (!a.stat) throw treeError(a.path, 'does not exist: cannot rename it');
    if (b.stat?.isDirectory()) throw treeError(b.path, 'is a directory: not replaced');
    try {
      renameSync(a.host, b.host);
    } catch (e) {
      throw treeError(a.path, `cannot rename it to ${b.path}: ${errno(e)}`, undefined, e);
    }
  }
}

/** Open the resolved last component, refusing a symlink that appeared there (O_NOFOLLOW). */
function openFile(p: TreePath, flags: number, mode?: number): number {
  try {
    return openSync(p.host, flags | constants.O_NOFOLLOW | constants.O_NONBLOCK, mode);
  } catch (e) {
    throw treeError(p.path, `cannot open ${p.resolved}: ${errno(e)}`, undefined, e);
  }
}
