/**
 * A path inside the image tree, resolved as a process chrooted into the tree would see it (the
 * semantics of openat2(2) RESOLVE_IN_ROOT): component by component with lstat; a symlink's target is
 * resolved inside the tree (an absolute target restarts at the tree root, `..` stops at the root), so
 * no symlink left in the tree by a hook or a package script can lead host-side code out of it.
 *
 * Contract of the result: every component of `host` before the last one is a real directory inside
 * the tree (no symlink); the last one is whatever `stat` says (absent when it does not exist). Nothing
 * runs concurrently with host-side code (hooks are dead between phases), so the result stays true
 * until the caller changes the tree itself.
 */
import { lstatSync, readlinkSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { KilnError } from '../errors.js';

/** Symlinks followed in one resolution before giving up, as Linux (MAXSYMLINKS). */
export const MAX_SYMLINKS = 40;

export interface TreePath {
  /** the path as asked, tree-absolute ('/etc/fstab'): what messages name */
  path: string;
  /** the tree-absolute path after resolution ('/etc/fstab', or where its symlinks lead) */
  resolved: string;
  /** resolved on the host: the tree root joined with `resolved` */
  host: string;
  /** lstat of the last component; undefined when it does not exist */
  stat: Stats | undefined;
  /** false when a component before the last one is missing too (mkdir of `host` would fail) */
  parentExists: boolean;
}

export interface ResolveOptions {
  /** follow a symlink at the last component (in the tree); default true */
  followFinal?: boolean;
}

/** '/etc//fstab', 'etc/fstab' -> '/etc/fstab' (no resolution; `..` is kept for the resolver). */
export function treeAbsolute(path: string): string {
  return `/${split(path).join('/')}`;
}

function split(path: string): string[] {
  return path.split('/').filter((c) => c !== '' && c !== '.');
}

/** A KilnError located at a path of the tree: the CLI prints "<path> in the image tree: <what>". */
export function treeError(path: string, what: string, hint?: string, cause?: unknown): KilnError {
  return new KilnError(what, {
    where: `${path} in the image tree`,
    hint: hint ?? 'a hook or a package script left this path so; fix the element that made it',
    ...(cause !== undefined ? { cause } : {}),
  });
}

function lstatOrUndefined(host: string, path: string): Stats | undefined {
  try {
    return lstatSync(host);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    throw treeError(path, `cannot look at ${host}: ${code ?? (e as Error).message}`, undefined, e);
  }
}

export function resolveInTree(root: string, path: string, opts: ResolveOptions = {}): TreePath {
  const asked = treeAbsolute(path);
  const done: string[] = [];
  const todo = split(path);
  let links = 0;
  while (todo.length > 0) {
    const c = todo.shift()!;
    if (c === '..') {
      done.pop(); // at the root, `..` is the root
      continue;
    }
    const here = join(root, ...done, c);
    const st = lstatOrUndefined(here, asked);
    const last = todo.length === 0;
    if (st === undefined) {
      // the rest does not exist: no symlink below to follow, only names (mkdir -p creates them)
      if (todo.includes('..')) throw treeError(asked, `/${[...done, c].join('/')} does not exist (and '..' follows it)`);
      const resolved = [...done, c, ...todo];
      return { path: asked, resolved: `/${resolved.join('/')}`, host: join(root, ...resolved), stat: undefined, parentExists: last };
    }
    if (st.isSymbolicLink() && (!last || opts.followFinal !== false)) {
      if (++links > MAX_SYMLINKS) throw treeError(asked, 'too many levels of symbolic links (a symlink loop?)');
      const target = readlinkSync(here);
      if (target.startsWith('/')) done.length = 0;
      todo.unshift(...split(target));
      continue;
    }
    if (!last && !st.isDirectory()) throw treeError(asked, `/${[...done, c].join('/')} is not a directory`);
    done.push(c);
    if (last) return { path: asked, resolved: `/${done.join('/')}`, host: join(root, ...done), stat: st, parentExists: true };
  }
  // the path was the root itself (or ended with '..'/a symlink to a directory that is the root)
  const st = lstatOrUndefined(join(root, ...done), asked);
  return { path: asked, resolved: `/${done.join('/')}`, host: join(root, ...done), stat: st, parentExists: true };
}

/**
 * The path with no symlink in any component, as the tree holds it; for host tools that walk the path
 * themselves (a mount point that is split off the tree). Throws naming the symlink.
 */
export function resolveNoSymlinks(root: string, path: string, what: string): TreePath {
  const asked = treeAbsolute(path);
  const parts = split(path);
  if (parts.includes('..')) throw treeError(asked, `${what}: '..' is not allowed here`);
  for (let i = 1; i <= parts.length; i++) {
    const sub = `/${parts.slice(0, i).join('/')}`;
    const here = join(root, ...parts.slice(0, i));
    const st = lstatOrUndefined(here, asked);
    if (st === undefined) return { path: asked, resolved: asked, host: join(root, ...parts), stat: undefined, parentExists: i === parts.length };
    if (st.isSymbolicLink()) {
      throw treeError(
        asked,
        `${what}: ${sub} is a symlink (-> ${readlinkSync(here)})`,
        `make ${sub} a real directory in the tree: Kiln does not follow symlinks here`,
      );
    }
    if (!st.isDirectory()) throw treeError(asked, `${what}: ${sub} is not a directory`);
    if (i === parts.length) return { path: asked, resolved: asked, host: here, stat: st, parentExists: true };
  }
  return { path: asked, resolved: '/', host: root, stat: lstatOrUndefined(root, '/'), parentExists: true };
}
