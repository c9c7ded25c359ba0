/**
 * Tree operations that need root of the tree: the files they change may belong to any of the tree's
 * owners (mapped subordinate ids when Kiln is unprivileged), which only root of the tree may remove or
 * truncate. The path is resolved inside the tree in Node first (path.ts); the host tools get only that
 * verified host path, whose every component is a real directory of the tree, and walk it without
 * following symlinks (`find` without -L, `rm -r`). They never cross into a mount: Kiln refuses when a
 * mount point lies on or below the path (/proc/self/mountinfo: this catches bind mounts of the same
 * filesystem, which st_dev does not), and `rm --one-file-system` / `find -xdev` compare st_dev anyway.
 */
import { readFileSync, realpathSync, type Stats } from 'node:fs';
import { CommandError, type Runner } from '../exec/runner.js';
import { asTreeRoot, type Identity } from '../sandbox/identity.js';
import type { Tree } from './fs.js';
import { treeError, type TreePath } from './path.js';

export interface TreeRootContext {
  runner: Runner;
  identity: Identity;
}

/** Mount points of this mount namespace (/proc/self/mountinfo field 5, octal escapes decoded). */
export function mountPoints(mountinfo = readFileSync('/proc/self/mountinfo', 'utf8')): string[] {
  return mountinfo
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => (l.split(' ')[4] ?? '').replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8))));
}

/** Refuse when something is mounted on the path, above it inside the tree, or below it. */
export function checkNoMounts(tree: Tree, p: TreePath, mounts = mountPoints()): void {
  const root = realpathSync(tree.root);
  const host = `${root}${p.resolved === '/' ? '' : p.resolved}`;
  const inside = (m: string, dir: string): boolean => m === dir || m.startsWith(`${dir}/`);
  const hit = mounts.find((m) => inside(m, root) && m !== root && (inside(m, host) || inside(host, m)));
  if (hit) {
    throw treeError(
      p.path,
      `${hit.slice(root.length)} in the tree is a mount point: not changed`,
      'a host-phase hook left a mount in the tree; unmount it (and fix the hook)',
    );
  }
}

function kind(st: Stats): string {
  return st.isFile() ? 'a file' : st.isSymbolicLink() ? 'a symlink' : 'not a directory';
}

async function runAsRoot(ctx: TreeRootContext, tree: Tree, p: TreePath, what: string, script: string): Promise<void> {
  const argv = [...asTreeRoot(ctx.identity), 'sh', '-euc', script, 'kiln-tree', p.host];
  try {
    await ctx.runner.run(argv[0]!, argv.slice(1), { context: `${what} the tree's ${p.path}` });
  } catch (e) {
    if (!(e instanceof CommandError)) throw e;
    const said = e.stderrTail.split(tree.root).join('');
    throw treeError(p.path, `cannot ${what} it${said ? `: ${said}` : ''}`, undefined, e);
  }
}

/** A directory of the tree resolved in it, checked for being one and for mounts; undefined if absent. */
function directory(tree: Tree, path: string, what: string): TreePath | undefined {
  const p = tree.resolve(path);
  if (!p.stat) return undefined;
  if (!p.stat.isDirectory()) throw treeError(p.path, `is ${kind(p.stat)}: cannot ${what} it`);
  checkNoMounts(tree, p);
  return p;
}

/**
 * Remove everything in a directory of the tree (a symlink to a directory is followed in the tree,
 * as `rm -rf /tmp/*` in a chroot would). Refuses when the directory is the tree's root.
 */
export async function emptyDirectory(ctx: TreeRootContext, tree: Tree, path: string): Promise<void> {
  const p = directory(tree, path, 'empty');
  if (!p) return;
  if (p.resolved === '/') throw treeError(p.path, 'leads to the root of the tree: not emptied');
  await runAsRoot(ctx, tree, p, 'empty', 'find "$1" -mindepth 1 -maxdepth 1 -exec rm -rf --one-file-system -- {} +');
}

/** Truncate every non-empty regular file below a directory of the tree (symlinks are left alone). */
export async function truncateFiles(ctx: TreeRootContext, tree: Tree, path: string): Promise<void> {
  const p = directory(tree, path, 'truncate the files in');
  if (!p) return;
  await runAsRoot(ctx, tree, p, 'truncate the files in', 'find "$1" -xdev -type f -size +0c -exec truncate -s 0 -- {} +');
}

/**
 * A regular file of the tree resolved in it (a symlink is followed in the tree unless followFinal is false) and checked for
 * mounts; undefined when absent, a dangling link, or not a regular file (left alone: a build-state
 * file that is something else was put there on purpose).
 */
function regularFile(tree: Tree, path: string, followFinal = true): TreePath | undefined {
  const p = tree.resolve(path, followFinal);
  if (!p.stat?.isFile()) return undefined;
  checkNoMounts(tree, p);
  return p;
}

/**
 * Remove one regular file of the tree; anything else at the path, a symlink included (its target is
 * not this file), is left. Returns whether it was there.
 */
export async function removeFile(ctx: TreeRootContext, tree: Tree, path: string): Promise<boolean> {
  const p = regularFile(tree, path, false);
  if (!p) return false;
  await runAsRoot(ctx, tree, p, 'remove', 'rm -f -- "$1"');
  return true;
}

/** Empty one regular file of the tree (mode and owner kept). Returns whether it had content. */
export async function truncateFile(ctx: TreeRootContext, tree: Tree, path: string): Promise<boolean> {
  const p = regularFile(tree, path);
  if (!p || p.stat?.size === 0) return false;
  await runAsRoot(ctx, tree, p, 'truncate', 'truncate -s 0 -- "$1"');
  return true;
}

/**
 * Rewrite one regular file of the tree in place through an awk program (file as its input, output
 * written back over the same inode: mode and owner kept, no temporary file beside it).
 */
export async function awkInPlace(ctx: TreeRootContext, tree: Tree, path: string, program: string, vars: Record<string, string> = {}): Promise<boolean> {
  const p = regularFile(tree, path);
  if (!p) return false;
  const assigns = Object.entries(vars)
    .map(([k, v]) => `-v ${k}='${v.replace(/'/g, `'\\''`)}'`)
    .join(' ');
  const prog = program.replace(/'/g, `'\\''`);
  await runAsRoot(ctx, tree, p, 'rewrite', `out=$(awk ${assigns} '${prog}' "$1" && echo .) && printf '%s' "\${out%.}" > "$1"`);
  return true;
}
