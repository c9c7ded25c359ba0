/**
 * The content-addressed cache: per kind of entry a directory, each entry a data file plus
 * `<key>.json` (created, size, sha256, inputs):
 *
 *   <dir>/bootstrap/<key>.tar.zst   a distro driver's bootstrap (src/distros)
 *   <dir>/layers/<key>.tar.zst      the tree after the install phases (src/build/layer-cache.ts)
 *   <dir>/initramfs/<key>.img       an initramfs made by mkinitramfs (src/build/initramfs-cache.ts)
 * Entries appear atomically: data is written under a temporary
 * name in the same directory and renamed into place, the metadata last, so a reader that finds the
 * metadata always finds the whole tarball. Whether that tarball is still intact is verify.ts's job.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseProcessTag, processAlive, processTag } from '../exec/process-tag.js';
import type { CacheInputs } from './key.js';

export const BOOTSTRAP_DIR = 'bootstrap';
const TMP_PREFIX = '.tmp-';

export type EntryKind = 'bootstrap' | 'layer' | 'initramfs';
export const ENTRY_KINDS: readonly EntryKind[] = ['bootstrap', 'layer', 'initramfs'];
const KINDS: Record<EntryKind, { dir: string; ext: string }> = {
  bootstrap: { dir: BOOTSTRAP_DIR, ext: '.tar.zst' },
  layer: { dir: 'layers', ext: '.tar.zst' },
  initramfs: { dir: 'initramfs', ext: '.img' },
};

/** The directory of one kind of entry. */
export function kindDir(dir: string, kind: EntryKind): string {
  return join(dir, KINDS[kind].dir);
}

export interface CacheEntry {
  key: string;
  kind: EntryKind;
  /** ISO 8601 */
  created: string;
  size: number;
  /** sha256 of the tarball, recorded when stored (absent in entries of older Kiln versions) */
  sha256?: string;
  /** the tarball file as it was when its sha256 was last checked: verify.ts skips the hash while it matches */
  verified?: FileStamp;
  inputs: CacheInputs;
  /** the entry this one was built on (a layer's bootstrap), when there is one */
  parent?: string;
  /** what built it, for `kiln cache list` (a layer: its elements) */
  builtBy?: string;
  /** ISO 8601: when a build last used it (prune --max-size removes the least recently used first) */
  used?: string;
  /** absolute path of the tarball */
  file: string;
}

export interface FileStamp {
  ino: number;
  size: number;
  mtimeMs: number;
}

export function fileStamp(path: string): FileStamp {
  const s = statSync(path);
  return { ino: s.ino, size: s.size, mtimeMs: s.mtimeMs };
}

export function entryPaths(dir: string, key: string, kind: EntryKind = 'bootstrap'): { tarball: string; meta: string } {
  const k = KINDS[kind];
  return { tarball: join(dir, k.dir, `${key}${k.ext}`), meta: join(dir, k.dir, `${key}.json`) };
}

export function bootstrapPaths(dir: string, key: string): { tarball: string; meta: string } {
  return entryPaths(dir, key, 'bootstrap');
}

/**
 * The entry for `key`, or undefined when it is missing or incomplete. A tarball of the wrong size
 * is returned all the same: verifyBootstrap reports it as corrupt (it is not a miss).
 */
export function lookupBootstrap(dir: string, key: string): CacheEntry | undefined {
  return lookupEntry(dir, 'bootstrap', key);
}

export function lookupEntry(dir: string, kind: EntryKind, key: string): CacheEntry | undefined {
  const p = entryPaths(dir, key, kind);
  if (!existsSync(p.meta) || !existsSync(p.tarball)) return undefined;
  try {
    const entry = JSON.parse(readFileSync(p.meta, 'utf8')) as CacheEntry;
    return { ...entry, kind: entry.kind ?? kind, file: p.tarball };
  } catch {
    return undefined;
  }
}

/**
 * A temporary path in the cache's bootstrap directory for a tarball being written, named after
 * the writing process (`.tmp-<key>-<pid>.<start>.tar.zst`) so removeDeadTemps can tell orphans.
 */
export function tempBootstrapPath(dir: string, key: string): string {
  return tempEntryPath(dir, 'bootstrap', key);
}

export function tempEntryPath(dir: string, kind: EntryKind, key: string): string {
  const k = KINDS[kind];
  mkdirSync(join(dir, k.dir), { recursive: true });
  return join(dir, k.dir, `${TMP_PREFIX}${key}-${processTag()}${k.ext}`);
}

/** Does this temporary file name carry a writer's tag, and is that writer dead? */
export function tempWriterDead(name: string): boolean {
  const m = /\.tmp-(?:[0-9a-f]+-)?(\d+\.\d+)(?:\.tar\.zst|\.img)?$/.exec(name);
  const tag = m ? parseProcessTag(m[1]!) : undefined;
  return tag !== undefined && !processAlive(tag);
}

/**
 * Remove the temporary files of writers that are dead (a build killed while mmdebstrap wrote its
 * tarball). Run at the start of every build; a file being written by a live build is kept.
 * Returns the names removed.
 */
export function removeDeadTemps(dir: string): string[] {
  return ENTRY_KINDS.flatMap((k) => removeDeadTempsIn(kindDir(dir, k)));
}

function removeDeadTempsIn(bdir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(bdir);
  } catch {
    return []; // no cache yet
  }
  const removed: string[] = [];
  for (const n of names.filter((x) => x.includes(TMP_PREFIX) && tempWriterDead(x))) {
    try {
      rmSync(join(bdir, n), { force: true, recursive: true });
      removed.push(n);
    } catch {
      /* another user's cache: not ours to tidy */
    }
  }
  return removed;
}

/**
 * Move a finished tarball into the cache under `key` and record its metadata, with `sha256` (the
 * hash of the tarball, computed by the caller right after writing it: cache/verify.ts sha256File).
 */
export function storeBootstrap(dir: string, key: string, tempTarball: string, inputs: CacheInputs, now = new Date(), sha256?: string): CacheEntry {
  return storeEntry(dir, 'bootstrap', key, tempTarball, inputs, { now, ...(sha256 ? { sha256 } : {}) });
}

/** Move a finished data file into the cache as the entry `key` of `kind` (see storeBootstrap). */
export function storeEntry(
  dir: string,
  kind: EntryKind,
  key: string,
  tempFile: string,
  inputs: CacheInputs,
  opts: { now?: Date; sha256?: string; parent?: string; builtBy?: string } = {},
): CacheEntry {
  const p = entryPaths(dir, key, kind);
  renameSync(tempFile, p.tarball);
  const stamp = fileStamp(p.tarball);
  const entry: CacheEntry = {
    key,
    kind,
    created: (opts.now ?? new Date()).toISOString(),
    size: stamp.size,
    ...(opts.sha256 ? { sha256: opts.sha256, verified: stamp } : {}),
    inputs,
    ...(opts.parent ? { parent: opts.parent } : {}),
    ...(opts.builtBy ? { builtBy: opts.builtBy } : {}),
    file: p.tarball,
  };
  writeBootstrapMeta(dir, entry);
  return entry;
}

/** (Re)write the metadata of an entry atomically. */
export function writeBootstrapMeta(dir: string, entry: CacheEntry): void {
  const p = entryPaths(dir, entry.key, entry.kind ?? 'bootstrap');
  const tmpMeta = `${p.meta}.${TMP_PREFIX}${randomBytes(4).toString('hex')}-${processTag()}`;
  writeFileSync(tmpMeta, `${JSON.stringify({ ...entry, file: undefined }, null, 2)}\n`, { flag: 'wx' });
  renameSync(tmpMeta, p.meta);
}

/** Remove one entry: metadata first, so it disappears atomically. */
export function removeBootstrap(dir: string, key: string): void {
  removeEntry(dir, 'bootstrap', key);
}

export function removeEntry(dir: string, kind: EntryKind, key: string): void {
  const p = entryPaths(dir, key, kind);
  rmSync(p.meta, { force: true });
  rmSync(p.tarball, { force: true });
}

/** Every entry of the given kinds (default: the bootstraps; ENTRY_KINDS for all), oldest first. */
export function listCache(dir: string, kinds: readonly EntryKind[] = ['bootstrap']): CacheEntry[] {
  const entries: CacheEntry[] = [];
  for (const kind of kinds) {
    const bdir = kindDir(dir, kind);
    if (!existsSync(bdir)) continue;
    for (const name of readdirSync(bdir).sort()) {
      if (!name.endsWith('.json') || name.startsWith(TMP_PREFIX)) continue;
      const e = lookupEntry(dir, kind, name.slice(0, -'.json'.length));
      if (e) entries.push(e);
    }
  }
  return entries.sort((a, b) => a.created.localeCompare(b.created) || a.key.localeCompare(b.key));
}

export interface PruneOptions {
  olderThanDays?: number;
  /** then remove the least recently used entries until the cache holds at most this many bytes */
  maxBytes?: number;
  all?: boolean;
  now?: Date;
}

/** Record that a build used this entry now (for prune --max-size); a read-only cache is left alone. */
export function markUsed(dir: string, entry: CacheEntry, now = new Date()): void {
  try {
    writeBootstrapMeta(dir, { ...entry, used: now.toISOString() });
  } catch {
    /* a read-only cache */
  }
}

/**
 * Remove entries older than `olderThanDays` (or every entry with `all`), plus leftovers: temporary
 * files of dead writers or older than a day, and tarballs or metadata without their partner.
 * Returns the removed entries (leftovers are not listed).
 */
export function pruneCache(dir: string, opts: PruneOptions): CacheEntry[] {
  const now = (opts.now ?? new Date()).getTime();
  const removed: CacheEntry[] = [];
  const kept: CacheEntry[] = [];
  for (const e of listCache(dir, ENTRY_KINDS)) {
    const ageDays = (now - Date.parse(e.created)) / 86_400_000;
    if (opts.all || (opts.olderThanDays !== undefined && ageDays > opts.olderThanDays)) {
      removeEntry(dir, e.kind, e.key);
      removed.push(e);
    } else kept.push(e);
  }
  if (opts.maxBytes !== undefined) {
    let total = kept.reduce((n, e) => n + e.size, 0);
    const lru = kept.sort((a, b) => (a.used ?? a.created).localeCompare(b.used ?? b.created) || a.key.localeCompare(b.key));
    for (const e of lru) {
      if (total <= opts.maxBytes) break;
      removeEntry(dir, e.kind, e.key);
      removed.push(e);
      total -= e.size;
    }
  }
  for (const k of ENTRY_KINDS) removeLeftovers(kindDir(dir, k), now);
  return removed;
}

function removeLeftovers(bdir: string, now: number): void {
  if (!existsSync(bdir)) return;
  const names = new Set(readdirSync(bdir));
  for (const name of names) {
    const p = join(bdir, name);
    if (name.startsWith(TMP_PREFIX) || name.includes(`.${TMP_PREFIX}`)) {
      if (tempWriterDead(name) || now - statSync(p).mtimeMs > 86_400_000) rmSync(p, { force: true, recursive: true });
    } else if (/\.(tar\.zst|img)$/.test(name) && !names.has(name.replace(/\.(tar\.zst|img)$/, '.json'))) {
      if (now - statSync(p).mtimeMs > 86_400_000) rmSync(p, { force: true });
    } else if (name.endsWith('.json') && !names.has(name.replace(/\.json$/, '.tar.zst')) && !names.has(name.replace(/\.json$/, '.img'))) {
      rmSync(p, { force: true });
    }
  }
}
