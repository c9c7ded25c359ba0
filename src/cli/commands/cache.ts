/** `kiln cache list|prune`: the content-addressed bootstrap cache. */
import { listCache, pruneCache, pruneCorrupt, type CacheEntry } from '../../cache/index.js';
import { pruneAptCache } from '../../distros/apt-cache.js';
import { UsageError } from '../../errors.js';
import { flagValues, readSettings, type Env } from '../../config/read-settings.js';
import { commandOptions } from '../yargs-options.js';
import type { KilnCommand } from './types.js';

interface CacheArgs {
  action: 'list' | 'prune';
  all?: boolean;
  olderThan?: number;
  corrupt?: boolean;
  imageCache?: string;
  json?: boolean;
}

/** Same resolution as a build: --image-cache, DIB_IMAGE_CACHE, $XDG_CACHE_HOME/kiln, ~/.cache/kiln. */
export function cacheDirFrom(flag: string | undefined, env: Env): string {
  return readSettings(env, flagValues({ imageCache: flag }), 'kiln').imageCache;
}

export function formatEntry(e: CacheEntry): string {
  const i = e.inputs;
  const what = [i.distro, i.release, i.arch].filter((x) => x !== undefined && x !== null).join(' ');
  const mirror = i.mirror ? ` mirror=${String(i.mirror)}` : '';
  return `${e.key.slice(0, 12)}  ${e.created.slice(0, 19).replace('T', ' ')}  ${(e.size / 1048576).toFixed(0).padStart(5)} MiB  ${what}${mirror}`;
}

export const command: KilnCommand = {
  command: 'cache <action>',
  describe: 'list or prune the bootstrap cache',
  builder: (y) =>
    y.positional('action', { choices: ['list', 'prune'] as const, describe: 'list the entries, or remove some' }).options(commandOptions('cache')),
  handler: async (args) => {
    const a = args as unknown as CacheArgs;
    const dir = cacheDirFrom(a.imageCache, process.env);
    if (a.action === 'list') {
      const entries = listCache(dir);
      if (a.json) process.stdout.write(`${JSON.stringify(entries, null, 2)}\n`);
      else if (entries.length === 0) process.stdout.write(`no cached bootstraps in ${dir}\n`);
      else for (const e of entries) process.stdout.write(`${formatEntry(e)}\n`);
      return;
    }
    if (!a.all && a.olderThan === undefined && !a.corrupt) {
      throw new UsageError('kiln cache prune needs --all, --older-than DAYS or --corrupt');
    }
    if (a.corrupt) {
      const bad = await pruneCorrupt(dir);
      for (const b of bad) process.stdout.write(`removed ${formatEntry(b.entry)}: corrupt, ${b.problem}\n`);
      process.stdout.write(`${bad.length} corrupt entr${bad.length === 1 ? 'y' : 'ies'} removed from ${dir}\n`);
      if (!a.all && a.olderThan === undefined) return;
    }
    if (a.olderThan !== undefined && !(a.olderThan >= 0)) throw new UsageError('--older-than needs a number of days >= 0');
    const removed = pruneCache(dir, a.all ? { all: true } : { olderThanDays: a.olderThan! });
    for (const e of removed) process.stdout.write(`removed ${formatEntry(e)}\n`);
    process.stdout.write(`${removed.length} entr${removed.length === 1 ? 'y' : 'ies'} removed from ${dir}\n`);
    // the package cache (.debs kept between builds): by when each came into the cache
    const debs = pruneAptCache(dir, a.all ? { all: true } : { olderThanDays: a.olderThan! });
    if (debs.removed.length > 0) process.stdout.write(`${debs.removed.length} cached package(s) removed from ${debs.dir}\n`);
  },
};
