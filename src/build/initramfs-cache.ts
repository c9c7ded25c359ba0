/**
 * The initramfs cache (docs/user-guide.md "Caching"): intercepted at the tool, not by skipping
 * hooks. While hooks run in the tree, Kiln's libexec/kiln-mkinitramfs comes first in their PATH
 * (as mkinitramfs, in /tmp/in_target.d/kiln-bin) and the cache's initramfs directory is mounted
 * read-only at /tmp/in_target.d/.kiln-cache (libexec/kiln-sandbox). update-initramfs calls it as
 * it calls mkinitramfs; the wrapper keys the call on what mkinitramfs reads and copies a cached
 * image, or runs the real tool and leaves a copy in the tree's /tmp/kiln-initramfs-new. After each
 * phase, collectInitramfs() stores those copies (named by their key) in the cache and removes them
 * from the tree. dracut is not intercepted: it runs as it always does.
 */
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { kindDir, lookupEntry, markUsed, sha256File, storeEntry, tempEntryPath, verifyBootstrap } from '../cache/index.js';
import { LIBEXEC, runAsTreeRoot } from '../sandbox/sandbox.js';
import { Tree } from '../tree/fs.js';
import type { Build } from './build.js';

/** In the tree: the copies of images made by the real mkinitramfs, and the records of cache hits. */
export const NEW_DIR = '/tmp/kiln-initramfs-new';

/** Why the initramfs cache is off for this build, or undefined when it is on. */
export function initramfsCacheOff(b: Pick<Build, 'config'>): string | undefined {
  if (!b.config.useCache) return '--no-cache';
  if (!b.config.useInitramfsCache) return 'KILN_NO_INITRAMFS_CACHE is set';
  return undefined;
}

/**
 * Put the wrapper among the merged hooks and tell the build's in-target hooks about it (their
 * PATH, the cache mount, SOURCE_DATE_EPOCH when it is the user's). Nothing when the cache is off.
 */
export function installInitramfsCache(b: Build): void {
  if (initramfsCacheOff(b)) return;
  const bin = join(b.ws.hooks, 'kiln-bin');
  mkdirSync(bin, { recursive: true });
  copyFileSync(join(LIBEXEC, 'kiln-mkinitramfs'), join(bin, 'mkinitramfs'));
  chmodSync(join(bin, 'mkinitramfs'), 0o755);
  mkdirSync(join(b.ws.hooks, '.kiln-cache'), { recursive: true });
  // mounted only once it exists (kiln-sandbox): the first image stored makes it, so a build that
  // makes none leaves nothing in the cache
  const dir = kindDir(b.config.cacheDir, 'initramfs');
  b.inTarget = {
    pathPrefix: '/tmp/in_target.d/kiln-bin:',
    env: {
      KILN_INITRAMFS_CACHE: '1',
      KILN_INITRAMFS_EPOCH: b.config.sourceDateEpoch !== undefined ? '1' : '',
      KILN_SANDBOX_CACHE: dir,
    },
  };
}

/** After a phase: store the images the wrapper made (and mark the ones it reused), then empty NEW_DIR. */
export async function collectInitramfs(b: Build): Promise<void> {
  if (!b.inTarget) return;
  const tree = new Tree(b.ws.tree);
  if (!tree.isDirectory(NEW_DIR)) return;
  const dir = b.config.cacheDir;
  for (const name of tree.readdir(NEW_DIR).sort()) {
    const m = /^([0-9a-f]{64})\.(img|used)$/.exec(name);
    if (!m) continue;
    const key = m[1]!;
    if (m[2] === 'used') {
      const e = lookupEntry(dir, 'initramfs', key);
      if (e) markUsed(dir, e);
      continue;
    }
    const had = lookupEntry(dir, 'initramfs', key);
    // stored meanwhile by another build; one the wrapper found corrupt is replaced
    if (had && (await verifyBootstrap(dir, had)) === undefined) continue;
    const src = tree.resolve(`${NEW_DIR}/${name}`).host;
    const versionFile = `${NEW_DIR}/${key}.version`;
    const kernel = tree.isFile(versionFile) ? tree.readFile(versionFile).toString('utf8').trim() : '?';
    const temp = tempEntryPath(dir, 'initramfs', key);
    copyFileSync(src, temp);
    const e = storeEntry(dir, 'initramfs', key, temp, { kernel }, { sha256: await sha256File(temp), builtBy: 'mkinitramfs' });
    b.log.info(`initramfs cache: stored the initramfs of ${kernel} (${key.slice(0, 12)}, ${(e.size / 1048576).toFixed(1)} MiB)`);
  }
  await runAsTreeRoot(b, ['rm', '-rf', '--', tree.resolve(NEW_DIR, false).host], { context: 'initramfs cache' });
}

/** For tests: the cached image of `key`, if any. */
export function cachedInitramfs(cacheDir: string, key: string): Buffer | undefined {
  const e = lookupEntry(cacheDir, 'initramfs', key);
  return e && existsSync(e.file) ? readFileSync(e.file) : undefined;
}
