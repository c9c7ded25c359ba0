/**
 * The package cache in a build (src/distros/apt-cache.ts): offered to the tree's apt before
 * pre-install.d, filled from it after post-install.d. Off with --no-cache or DIB_APT_LOCAL_CACHE=0, and
 * for trees without apt.
 */
import { aptCacheDir, harvestAptArchives, seedAptArchives } from '../distros/apt-cache.js';
import { Tree } from '../tree/fs.js';
import { checkNoMounts } from '../tree/root-ops.js';
import type { Build } from './build.js';
import { hooksView, hookViewSettings } from './environment-d.js';

async function cacheOf(b: Build): Promise<string | undefined> {
  if (!b.config.useCache) return undefined;
  // a host hook's cache is mounted there (DIB's own dpkg element binds the host's apt cache in root.d,
  // DIB_APT_LOCAL_CACHE): that cache serves the build, Kiln's steps aside
  const archives = new Tree(b.ws.tree).resolve('/var/cache/apt/archives');
  if (archives.stat?.isDirectory()) {
    try {
      checkNoMounts(new Tree(b.ws.tree), archives);
    } catch {
      b.log.info("package cache: /var/cache/apt/archives is a host hook's mount (a shared apt cache): Kiln's package cache is not used");
      return undefined;
    }
  }
  const s = hookViewSettings(b.config, await hooksView(b));
  if (!s.aptLocalCache) return undefined;
  return aptCacheDir(b.config.cacheDir, s.distroName ?? '');
}

export async function offerPackageCache(b: Build): Promise<void> {
  const cache = await cacheOf(b);
  if (!cache) return;
  const n = await seedAptArchives(b, new Tree(b.ws.tree), cache);
  if (n !== undefined) b.log.info(`package cache: offered ${n} cached .deb(s) from ${cache} to apt`);
}

export async function keepPackageCache(b: Build): Promise<void> {
  const cache = await cacheOf(b);
  if (!cache) return;
  const r = await harvestAptArchives(b, new Tree(b.ws.tree), cache);
  if (r.removed > 0) b.log.info(`package cache: kept ${r.added.length} downloaded .deb(s) in ${cache}; took ${r.removed} out of the tree`);
}
