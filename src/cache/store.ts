/**
 * The content-addressed bootstrap cache: `<dir>/bootstrap/<key>.tar.zst` plus `<key>.json`
 * (created, size, sha256, inputs). Entries appear atomically: data is written under a temporary
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

export interface CacheEntry {
  key: string;
  kind: 'bootstrap';
  /** ISO 8601 */
  created: string;
  size: number;
  /** sha256 of the tarball, recorded when stored (absent in entries of older Kiln versions) */
  sha256?: string;
  /** the tarball file as it was when its sha256 was last checked: verify.ts skips the hash while it matches */
  verified?: FileStamp;
  inputs: CacheInputs;
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

export function bootstrapPaths(dir: string, key: string): { tarball: string; meta: string } {
  return { tarball: join(dir, BOOTSTRAP_DIR, `${key}.tar.zst`), meta: join(dir, BOOTSTRAP_DIR, `${key}.json`) };
}

/**
 * The entry for `key`, or undefined when it is missing or incomplete. A tarball of the wrong size
 * is returned all the same: verifyBootstrap reports it as corrupt (it is not a miss).
 */
export function lookupBootstrap(dir: string, key: string): CacheEntry | undefined {
  const p = bootstrapPaths(dir, key);
  if (!existsSync(p.meta) || !existsSync(p.tarball)) return undefined;
  try {
    const entry = JSON.parse(readFileSync(p.meta, 'utf8')) as CacheEntry;
    return { ...entry, file: p.tarball };
  } catch {
    return undefined;
  }
}

/**
 * A temporary path in the cache's bootstrap directory for a tarball being written, named after
 * the writing process (`.tmp-<key>-<pid>.<start>.tar.zst`) so removeDeadTemps can tell orphans.
 */
export function tempBootstrapPath(dir: string, key: string): string {
  mkdirSync(join(dir, BOOTSTRAP_DIR), { recursive: true });
  return join(dir, BOOTSTRAP_DIR, `${TMP_PREFIX}${key}-${processTag()}.tar.zst`);
}

/** Does this temporary file name carry a writer's tag, and is that writer dead? */
export function tempWriterDead(name: string): boolean {
  const m = /\.tmp-(?:[0-9a-f]+-)?(\d+\.\d+)(?:\.tar\.zst)?$/.exec(name);
  const tag = m ? parseProcessTag(m[1]!) : undefined;
  return tag !== undefined && !processAlive(tag);
}

/**
 * Remove the temporary files of writers that are dead (a build killed while mmdebstrap wrote its
 * tarball). Run at the start of every build; a file being written by a live build is kept.
 * Returns the names removed.
 */
export function removeDeadTemps(dir: string): string[] {
  const bdir = join(dir, BOOTSTRAP_DIR);
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
  const p = bootstrapPaths(dir, key);
  renameSync(tempTarball, p.tarball);
  const stamp = fileStamp(p.tarball);
  const entry: CacheEntry = {
    key,
    kind: 'bootstrap',
    created: now.toISOString(),
    size: stamp.size,
    ...(sha256 ? { sha256, verified: stamp } : {}),
    inputs,
    file: p.tarball,
  };
  writeBootstrapMeta(dir, entry);
  return entry;
}

/** (Re)write the metadata of an entry atomically. */
export function writeBootstrapMeta(dir: string, entry: CacheEntry): void {
  const p = bootstrapPaths(dir, entry.key);
  const tmpMeta = `${p.meta}.${TMP_PREFIX}${randomBytes(4).toString('hex')}-${processTag()}`;
  writeFileSync(tmpMeta, `${JSON.stringify({ ...entry, file: undefined }, null, 2)}\n`, { flag: 'wx' });
  renameSync(tmpMeta, p.meta);
}

/** Remove one entry: metadata first, so it disappears atomically. */
export function removeBootstrap(dir: string, key: string): void {
  const p = bootstrapPaths(dir, key);
  rmSync(p.meta, { force: true });
  rmSync(p.tarball, { force: true });
}

export function listCache(dir: string): CacheEntry[] {
  const bdir = join(dir, BOOTSTRAP_DIR);
  if (!existsSync(bdir)) return [];
  const entries: CacheEntry[] = [];
  for (const name of readdirSync(bdir).sort()) {
    if (!name.endsWith('.json') || name.startsWith(TMP_PREFIX)) continue;
    const e = lookupBootstrap(dir, name.slice(0, -'.json'.length));
    if (e) entries.push(e);
  }
  return entries.sort((a, b) => a.created.localeCompare(b.created) || a.key.localeCompare(b.key));
}

export interface PruneOptions {
  olderThanDays?: number;
  all?: boolean;
  now?: Date;
}

/**
 * Remove entries older than `olderThanDays` (or every entry with `all`), plus leftovers: temporary
 * files of dead writers or older than a day, and tarballs or metadata without their partner.
 * Returns the removed entries (leftovers are not listed).
 */
export function pruneCache(dir: string, opts: PruneOptions): CacheEntry[] {
  const now = (opts.now ?? new Date()).getTime();
  const removed: CacheEntry[] = [];
  for (const e of listCache(dir)) {
    const ageDays = (now - Date.parse(e.created)) / 86_400_000;
    if (opts.all || (opts.olderThanDays !== undefined && ageDays > opts.olderThanDays)) {
      removeBootstrap(dir, e.key);
      removed.push(e);
    }
  }
  removeLeftovers(join(dir, BOOTSTRAP_DIR), now);
  return removed;
}

function removeLeftovers(bdir: string, now: number): void {
  if (!existsSync(bdir)) return;
  const names = new Set(readdirSync(bdir));
  for (const name of names) {
    const p = join(bdir, name);
    if (name.startsWith(TMP_PREFIX) || name.includes(`.${TMP_PREFIX}`)) {
      if (tempWriterDead(name) || now - statSync(p).mtimeMs > 86_400_000) rmSync(p, { force: true, recursive: true });
    } else if (name.endsWith('.tar.zst') && !names.has(name.replace(/\.tar\.zst$/, '.json'))) {
      if (now - statSync(p).mtimeMs > 86_400_000) rmSync(p, { force: true });
    } else if (name.endsWith('.json') && !names.has(name.replace(/\.json$/, '.tar.zst'))) {
      rmSync(p, { force: true });
    }
  }
}
