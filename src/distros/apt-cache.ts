/**
 * DIB's apt package cache ($DIB_IMAGE_CACHE/apt/$DISTRO_NAME, DIB_APT_LOCAL_CACHE), without DIB's bind
 * mount: before pre-install.d the cached .debs are linked (or copied) into the tree's
 * /var/cache/apt/archives, where apt takes a cached file only when its size and hash match the
 * archive's index; after post-install.d the .debs apt downloaded are copied into the cache and every
 * .deb is removed from the tree (as with DIB's bind mount, none stays in the image).
 *
 * Safe for concurrent builds: a build only reads the cache and adds files by rename (a temporary name
 * in the same directory first), so a reader sees a whole file or none, and two builds adding the same
 * .deb write the same name with the same content. Rootless: the tree's directory is changed as root of
 * the tree; the cache keeps the user's own files. `kiln cache prune` removes .debs by age.
 */
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import type { Tree } from '../tree/fs.js';
import { checkNoMounts, type TreeRootContext } from '../tree/root-ops.js';
import { runAsTreeRoot } from '../sandbox/sandbox.js';

export const TREE_ARCHIVES = '/var/cache/apt/archives';

/** The cache directory of one distro (DIB's layout). */
export function aptCacheDir(cacheDir: string, distro: string): string {
  return join(cacheDir, 'apt', distro.replace(/[^A-Za-z0-9._-]/g, '_') || 'unknown');
}

/** The .deb files of a directory, sorted (names as apt writes them: NAME_VERSION_ARCH.deb). */
export function debsIn(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isFile() && e.name.endsWith('.deb'))
      .map((e) => e.name)
      .sort();
  } catch {
    return [];
  }
}

/** Offer the cached .debs to the tree's apt; the count offered, or undefined when the tree has no apt archives directory. */
export async function seedAptArchives(ctx: TreeRootContext, tree: Tree, cache: string): Promise<number | undefined> {
  const p = tree.resolve(TREE_ARCHIVES);
  if (!p.stat?.isDirectory()) return undefined;
  checkNoMounts(tree, p);
  const debs = debsIn(cache);
  if (debs.length === 0) return 0;
  // hard links where the cache and the tree share a filesystem, else copies; a name the tree has is kept
  const script = 'dst=$1; shift; cp -l -n -t "$dst" -- "$@" 2>/dev/null || cp -n -t "$dst" -- "$@"';
  await runAsTreeRoot(ctx, ['sh', '-c', script, 'kiln-apt-cache', p.host, ...debs.map((d) => join(cache, d))], {
    context: 'apt cache (offer the cached .debs)',
  });
  return debs.length;
}

export interface HarvestResult {
  /** .debs this build downloaded, now in the cache */
  added: string[];
  /** .debs removed from the tree (those offered and those downloaded) */
  removed: number;
}

/** Keep what apt downloaded, and take every .deb out of the tree. */
export async function harvestAptArchives(ctx: TreeRootContext, tree: Tree, cache: string): Promise<HarvestResult> {
  const p = tree.resolve(TREE_ARCHIVES);
  if (!p.stat?.isDirectory()) return { added: [], removed: 0 };
  checkNoMounts(tree, p);
  const inTree = debsIn(p.host).filter((d) => tree.lstat(`${TREE_ARCHIVES}/${d}`)?.isFile());
  if (inTree.length === 0) return { added: [], removed: 0 };
  mkdirSync(cache, { recursive: true });
  const added: string[] = [];
  for (const d of inTree) {
    const from = join(p.host, d);
    const to = join(cache, d);
    const known = statSync(to, { throwIfNoEntry: false });
    if (known && known.size === statSync(from).size) continue;
    const tmp = join(cache, `.${d}.${randomBytes(4).toString('hex')}.tmp`);
    try {
      copyFileSync(from, tmp);
      const now = new Date();
      utimesSync(tmp, now, now); // prune goes by when a .deb came into the cache
      renameSync(tmp, to);
      added.push(d);
    } finally {
      rmSync(tmp, { force: true });
    }
  }
  await runAsTreeRoot(ctx, ['sh', '-c', 'cd "$1" && shift && rm -f -- "$@"', 'kiln-apt-cache', p.host, ...inTree], { context: 'apt cache (clear the tree)' });
  return { added, removed: inTree.length };
}

export interface AptCachePrune {
  dir: string;
  removed: string[];
}

/** Remove cached .debs that came into the cache more than `olderThanDays` ago (all with `all`); and stale temporary files. */
export function pruneAptCache(cacheDir: string, opts: { olderThanDays?: number; all?: boolean }, now = Date.now()): AptCachePrune {
  const root = join(cacheDir, 'apt');
  const removed: string[] = [];
  let distros: string[] = [];
  try {
    distros = readdirSync(root).sort();
  } catch {
    return { dir: root, removed };
  }
  for (const distro of distros) {
    const dir = join(root, distro);
    let names: string[] = [];
    try {
      names = readdirSync(dir).sort();
    } catch {
      continue;
    }
    for (const n of names) {
      const f = join(dir, n);
      const st = statSync(f, { throwIfNoEntry: false });
      if (!st?.isFile()) continue;
      const ageDays = (now - st.mtimeMs) / 86_400_000;
      const stale = n.endsWith('.tmp') && ageDays > 1;
      const old = n.endsWith('.deb') && (opts.all || (opts.olderThanDays !== undefined && ageDays > opts.olderThanDays));
      if (!stale && !old) continue;
      rmSync(f, { force: true });
      removed.push(join(distro, n));
    }
  }
  return { dir: root, removed };
}
