/**
 * The host's resolv.conf lent to the tree while commands run in it (DIB's create_base /
 * finalise_base): the tree's own is set aside as resolv.conf.ORIG and put back afterwards.
 * Used around the hook phases (build/tree-prep.ts) and the container driver's RUN lines.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { Tree } from './fs.js';

const RESOLV = '/etc/resolv.conf';
const ORIG = `${RESOLV}.ORIG`;

/** The tree's resolv.conf (a file or a symlink) is set aside as .ORIG and the host's put in its place. */
export function installHostResolvConf(tree: Tree, hostResolv = '/etc/resolv.conf'): void {
  if (!tree.isDirectory('/etc')) return;
  if (tree.exists(RESOLV) && !tree.exists(ORIG)) tree.rename(RESOLV, ORIG);
  else tree.remove(RESOLV);
  if (existsSync(hostResolv)) tree.writeFile(RESOLV, readFileSync(hostResolv));
}

export function restoreResolvConf(tree: Tree): void {
  if (!tree.isDirectory('/etc')) return;
  // DIB keeps a resolv.conf that a hook replaced with a symlink.
  if (tree.lstat(RESOLV)?.isSymbolicLink()) {
    tree.remove(ORIG);
    return;
  }
  tree.remove(RESOLV);
  if (tree.exists(ORIG)) tree.rename(ORIG, RESOLV);
}
