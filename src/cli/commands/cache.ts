/** `kiln cache list|prune`: the content-addressed cache (bootstraps, tree layers, initramfs images). */
import { ENTRY_KINDS, listCache, pruneCache, pruneCorrupt, type CacheEntry } from '../../cache/index.js';
import { pruneAptCache } from '../../distros/apt-cache.js';
import { UsageError } from '../../errors.js';
import { flagValues, readSettings, type Env } from '../../config/read-settings.js';
import { byteSize } from '../../config/values.js';
import { commandOptions } from '../yargs-options.js';
import type { KilnCommand } from './types.js';

interface CacheArgs {
  action: 'list' | 'prune';
  all?: boolean;
  olderThan?: number;
  maxSize?: string;
  corrupt?: boolean;
  imageCache?: string;
  json?: boolean;
}

/** Same resolution as a build: --image-cache, DIB_IMAGE_CACHE, $XDG_CACHE_HOME/kiln, ~/.cache/kiln. */
export function cacheDirFrom(flag: string | undefined, env: Env): string {
  return readSettings(env, flagValues({ imageCache: flag }), 'kiln').imageCache;
}

/** "3.2 h", "4 d": how long ago. */
export function age(iso: string, now = Date.now()): string {
  const s = Math.max(0, (now - Date.parse(iso)) / 1000);
  if (s < 120) return `${s.toFixed(0)} s`;
  if (s < 7200) return `${(s / 60).toFixed(0)} min`;
  if (s < 172800) return `${(s / 3600).toFixed(1)} h`;
  return `${(s / 86400).toFixed(0)} d`;
}

/** One line: kind, key, created, age, size, what it is (and its parent, and what built it). */
export function formatEntry(e: CacheEntry, now = Date.now()): string {
  const i = e.inputs;
  const kind = (e.kind ?? 'bootstrap').padEnd(9);
  const head = `${kind}  ${e.key.slice(0, 12)}  ${e.created.slice(0, 19).replace('T', ' ')}  ${age(e.created, now).padStart(6)}  ${(e.size / 1048576).toFixed(0).padStart(5)} MiB`;
  if (e.kind === 'layer') {
    return `${head}  after ${String(i.cut ?? '?')}, parent ${e.parent ? e.parent.slice(0, 12) : 'none'}, elements: ${e.builtBy ?? '?'}`;
  }
  if (e.kind === 'initramfs') return `${head}  kernel ${String(i.kernel ?? '?')}${e.builtBy ? `, ${e.builtBy}` : ''}`;
  const what = [i.distro, i.release, i.arch].filter((x) => x !== undefined && x !== null).join(' ');
  const mirror = i.mirror ? ` mirror=${String(i.mirror)}` : '';
  return `${head}  ${what}${mirror}`;
}

export const command: KilnCommand = {
  command: 'cache <action>',
  describe: 'list or prune the cache (bootstraps, tree layers, initramfs images)',
  builder: (y) =>
    y.positional('action', { choices: ['list', 'prune'] as const, describe: 'list the entries, or remove some' }).options(commandOptions('cache')),
  handler: async (args) => {
    const a = args as unknown as CacheArgs;
    const dir = cacheDirFrom(a.imageCache, process.env);
    if (a.action === 'list') {
      const entries = listCache(dir, ENTRY_KINDS);
      if (a.json) process.stdout.write(`${JSON.stringify(entries, null, 2)}\n`);
      else if (entries.length === 0) process.stdout.write(`nothing cached in ${dir}\n`);
      else for (const e of entries) process.stdout.write(`${formatEntry(e)}\n`);
      return;
    }
    if (!a.all && a.olderThan === undefined && a.maxSize === undefined && !a.corrupt) {
      throw new UsageError('kiln cache prune needs --all, --older-than DAYS, --max-size SIZE or --corrupt');
    }
    if (a.olderThan !== undefined && !(a.olderThan >= 0)) throw new UsageError('--older-than needs a number of days >= 0');
    let maxBytes: number | undefined;
    if (a.maxSize !== undefined) {
      try {
        maxBytes = Number(byteSize.parse(String(a.maxSize)));
      } catch (e) {
        throw new UsageError(`--max-size: ${(e as Error).message}`);
      }
    }
    // --json: {dir, corrupt: [{entry, problem}], removed: [entry]} once everything is done
    const say = (line: string) => {
      if (!a.json) process.stdout.write(`${line}\n`);
    };
    const result: { dir: string; corrupt: { entry: CacheEntry; problem: string }[]; removed: CacheEntry[] } = { dir, corrupt: [], removed: [] };
    if (a.corrupt) {
      result.corrupt = (await pruneCorrupt(dir)).map((b) => ({ entry: b.entry, problem: b.problem }));
      for (const b of result.corrupt) say(`removed ${formatEntry(b.entry)}: corrupt, ${b.problem}`);
      say(`${result.corrupt.length} corrupt entr${result.corrupt.length === 1 ? 'y' : 'ies'} removed from ${dir}`);
    }
    if (a.all || a.olderThan !== undefined || maxBytes !== undefined) {
      result.removed = pruneCache(
        dir,
        a.all ? { all: true } : { ...(a.olderThan !== undefined ? { olderThanDays: a.olderThan } : {}), ...(maxBytes !== undefined ? { maxBytes } : {}) },
      );
      for (const e of result.removed) say(`removed ${formatEntry(e)}`);
      say(`${result.removed.length} entr${result.removed.length === 1 ? 'y' : 'ies'} removed from ${dir}`);
    }
    if (a.all || a.olderThan !== undefined) {
      // the package cache (.debs kept between builds): by when each came into the cache
      const debs = pruneAptCache(dir, a.all ? { all: true } : { olderThanDays: a.olderThan! });
      if (debs.removed.length > 0) say(`${debs.removed.length} cached package(s) removed from ${debs.dir}`);
    }
    if (a.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  },
};
