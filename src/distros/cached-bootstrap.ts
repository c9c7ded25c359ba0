/**
 * Using a cached bootstrap safely (any driver): verify the entry before unpacking it, and say
 * "corrupt cache entry" (naming it) instead of passing on a raw zstd or tar error. Online, a
 * corrupt entry is removed and the caller bootstraps again; offline there is no way to rebuild it,
 * so the build fails with what to do. With KILN_CACHE_URL, an entry missing here is pulled from the
 * shared cache, and one made here is pushed to it (cache/remote.ts); the shared cache being
 * unreachable is a warning, never a failed build.
 */
import {
  type CacheEntry,
  type CacheInputs,
  looksCorrupt,
  lookupBootstrap,
  removeBootstrap,
  sha256File,
  storeBootstrap,
  verifyBootstrap,
} from '../cache/index.js';
import { remoteCache, type RemoteCache } from '../cache/remote.js';
import { KilnError } from '../errors.js';
import { CommandError } from '../exec/runner.js';
import { asTreeRoot, isHostRoot } from '../sandbox/identity.js';
import type { BootstrapRequest } from './types.js';

const PRUNE = 'kiln cache prune --corrupt';

function describe(entry: CacheEntry, what: string): string {
  return `the cached bootstrap of ${what} (${entry.key.slice(0, 12)}, ${entry.file})`;
}

/** True when `entry` is intact. Corrupt: removed (online, so the caller bootstraps again) or an error (offline). */
export async function checkCachedBootstrap(req: BootstrapRequest, entry: CacheEntry, what: string): Promise<boolean> {
  const problem = await verifyBootstrap(req.cacheDir, entry);
  if (problem === undefined) return true;
  const msg = `${describe(entry, what)} is corrupt: ${problem}`;
  if (req.offline) {
    throw new KilnError(msg, { hint: `offline, it cannot be bootstrapped again: remove it with '${PRUNE}', then build once without --offline` });
  }
  removeBootstrap(req.cacheDir, entry.key);
  req.log.warn(`${msg}; removed it and bootstrapping again ('${PRUNE}' checks every entry)`);
  return false;
}

/** Unpack a cached tarball; a failure that looks like a damaged tarball names the entry. */
export async function unpackCachedBootstrap(req: BootstrapRequest, entry: CacheEntry, what: string, unpack: () => Promise<void>): Promise<void> {
  try {
    await unpack();
  } catch (e) {
    if (!(e instanceof CommandError) || !looksCorrupt(e.stderrTail)) throw e;
    const msg = `${describe(entry, what)} is corrupt: unpacking it failed:\n${e.stderrTail
      .split('\n')
      .map((l) => `    ${l}`)
      .join('\n')}`;
    if (req.offline) {
      throw new KilnError(msg, { hint: `remove it ('${PRUNE}', or delete ${entry.file}), then build once without --offline`, cause: e });
    }
    removeBootstrap(req.cacheDir, entry.key);
    throw new KilnError(`${msg}\n  the entry was removed`, { hint: 'run the build again: it bootstraps afresh', cause: e });
  }
}

/** The entry when it is fresh enough (KILN_BOOTSTRAP_MAX_AGE_DAYS), or offline (then any age is used). */
export function usableEntry(req: BootstrapRequest, entry: CacheEntry | undefined): CacheEntry | undefined {
  if (!entry) return undefined;
  // a cached bootstrap older than this misses security updates: rebuilt, unless offline
  const maxAge = req.settings.bootstrapMaxAgeDays;
  const ageDays = (Date.now() - Date.parse(entry.created)) / 86_400_000;
  if (req.offline || !(ageDays > maxAge)) return entry;
  req.log.info(`bootstrap: cached entry ${entry.key.slice(0, 12)} is ${ageDays.toFixed(1)} days old (> ${maxAge}); rebuilding`);
  return undefined;
}

/**
 * A cached bootstrap for one of `keys` (in order), checked: from the local cache (and then pushed to the
 * shared one if it lacks it), else pulled from the shared cache. Unpacked with `unpack`; false when
 * there is none (the caller bootstraps, then calls storeAndShareBootstrap).
 */
export async function useCachedBootstrap(req: BootstrapRequest, keys: string[], what: string, unpack: (tarball: string) => Promise<void>): Promise<boolean> {
  if (!req.useCache) return false;
  for (const k of keys) {
    const local = usableEntry(req, lookupBootstrap(req.cacheDir, k));
    const hit = local ?? usableEntry(req, await pullSharedBootstrap(req, k, what));
    if (!hit || !(await checkCachedBootstrap(req, hit, what))) continue;
    if (local) await pushSharedBootstrap(req, hit, what, { ifMissing: true });
    req.log.info(`bootstrap: ${what} from the cache (${k.slice(0, 12)}, ${hit.created}, ${(hit.size / 1048576).toFixed(0)} MiB)`);
    await unpackCachedBootstrap(req, hit, what, () => unpack(hit.file));
    req.onCacheEntry?.(hit);
    return true;
  }
  return false;
}

/**
 * Where no cached bootstrap was found: offline, nothing can be fetched; in fakeroot mode (no
 * subordinate ids) a driver whose `tool` cannot run there has nothing to build with. Each is a KilnError.
 */
export function refuseWithoutCache(req: BootstrapRequest, what: string, key: string, opts: { toolNeedsSubids?: string } = {}): void {
  if (req.offline) {
    throw new KilnError(`offline, and no cached bootstrap of ${what} (key ${key.slice(0, 12)})`, {
      hint: 'build once online with the same DIB_* settings, or unset DIB_OFFLINE',
    });
  }
  if (opts.toolNeedsSubids && req.identity.fakeroot) {
    throw new KilnError(`no cached bootstrap of ${what}, and Kiln cannot run ${opts.toolNeedsSubids} without subordinate ids`, {
      hint: `add a subordinate id range ('usermod --add-subuids 100000-165535 --add-subgids 100000-165535 ${req.identity.user}'), or run as root`,
    });
  }
}

/** Store a bootstrap tarball just made (hashed now: later lookups check it) and push it to the shared cache. */
export async function storeAndShareBootstrap(req: BootstrapRequest, key: string, tarball: string, inputs: CacheInputs, what: string): Promise<CacheEntry> {
  const stored = storeBootstrap(req.cacheDir, key, tarball, inputs, new Date(), await sha256File(tarball));
  req.onCacheEntry?.(stored);
  await pushSharedBootstrap(req, stored, what);
  return stored;
}

/** The shared cache of this request (KILN_CACHE_URL), unless offline or without a cache. */
export function sharedCache(req: BootstrapRequest): RemoteCache | undefined {
  if (req.offline || !req.useCache) return undefined;
  const s = req.settings;
  return remoteCache(s.cacheUrl, {
    ...(s.cacheUser !== undefined ? { user: s.cacheUser } : {}),
    ...(s.cachePassword !== undefined ? { password: s.cachePassword } : {}),
  });
}

/** The entry `key` pulled from the shared cache into the local one, or undefined (none there, or unreachable). */
export async function pullSharedBootstrap(req: BootstrapRequest, key: string, what: string): Promise<CacheEntry | undefined> {
  const shared = sharedCache(req);
  if (!shared) return undefined;
  try {
    const t = Date.now();
    const entry = await shared.pull(req.cacheDir, key);
    if (entry)
      req.log.info(`bootstrap: pulled ${what} (${key.slice(0, 12)}) from the shared cache ${shared.loc.url} in ${((Date.now() - t) / 1000).toFixed(1)} s`);
    return entry;
  } catch (e) {
    // a download cut off midway, an answer that is not what a registry sends: the build goes on
    req.log.warn(sharedProblem(e, shared.loc.url, 'building without it'));
    return undefined;
  }
}

/**
 * Push a bootstrap to the shared cache: one made here, or (`ifMissing`) one found in the local cache
 * that the shared one lacks, so local caches fill the shared one. A failure is a warning.
 */
export async function pushSharedBootstrap(req: BootstrapRequest, entry: CacheEntry, what: string, opts: { ifMissing?: boolean } = {}): Promise<void> {
  const shared = sharedCache(req);
  if (!shared) return;
  try {
    if (opts.ifMissing && (await shared.manifest(entry.key))) return;
    await shared.push(entry);
    req.log.info(`bootstrap: pushed ${what} (${entry.key.slice(0, 12)}) to the shared cache ${shared.loc.url}`);
  } catch (e) {
    req.log.warn(sharedProblem(e, shared.loc.url, 'the bootstrap stays in the local cache only'));
  }
}

/** The warning for a shared cache that failed: what happened; what the build does instead (the hint). */
function sharedProblem(e: unknown, url: string, instead: string): string {
  if (e instanceof KilnError) return `${e.message}; ${instead}${e.hint ? ` (${e.hint})` : ''}`;
  return `the shared cache ${url}: ${(e as Error).message}; ${instead}`;
}

/**
 * Unpack as root of the tree so owners are kept. In a user namespace /dev nodes cannot be created
 * (no mknod there) and are not needed: the initramfs mounts devtmpfs. As root, and in fakeroot
 * mode (where mknod is recorded in its database), they are kept.
 */
export function planUnpack(canMknod: boolean, tarball: string, target: string): string[] {
  const argv = ['tar', '--zstd', '-C', target, '--numeric-owner', '-xpf', tarball, '--xattrs', '--xattrs-include=security.capability'];
  if (!canMknod) argv.push('--exclude=./dev/*');
  return argv;
}

/** Unpack a bootstrap tarball (cached or just made) into the request's tree, as root of the tree. */
export async function unpackTarball(req: BootstrapRequest, tarball: string): Promise<void> {
  const canMknod = isHostRoot(req.identity) || req.identity.fakeroot !== undefined;
  const argv = [...asTreeRoot(req.identity), ...planUnpack(canMknod, tarball, req.target)];
  await req.runner.run(argv[0]!, argv.slice(1), { context: 'bootstrap (unpack)' });
}
