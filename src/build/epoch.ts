/**
 * The build's epoch (SOURCE_DATE_EPOCH: the image's clock and the seed of its ids). The user's, when
 * set. Otherwise a default that depends only on the inputs, so two builds of the same inputs give the
 * same bytes without the user doing anything:
 * - the newest modification time of the build's element files (hooks, data, element-deps...), known
 *   when the build starts (the layout's ids are framed with it, before the bootstrap);
 * - after the bootstrap, the newest modification time in the bootstrapped tree if it is later: for a
 *   cached bootstrap (cold or warm, both unpack the stored tarball) that is when it was made, or the
 *   newest packaged file's date.
 * Nothing the build writes later moves it: every later time is clamped to it.
 */
import { lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Runner } from '../exec/runner.js';
import { asTreeRoot, type Identity } from '../sandbox/identity.js';

/** Where the epoch came from (recorded in NAME.d/pin.json and logged). */
export interface EpochRecord {
  epoch: number;
  source: 'SOURCE_DATE_EPOCH' | 'inputs' | 'pin';
  /** newest mtime of the element files (inputs only) */
  elements?: number;
  /** newest mtime in the bootstrapped tree (inputs only, builds with a bootstrap) */
  bootstrap?: number;
}

/** The epoch before the bootstrap: the user's, a --pin record's, or the element files' newest mtime. */
export function initialEpoch(sourceDateEpoch: number | undefined, elements: readonly { path: string }[], pinned?: number): EpochRecord {
  if (sourceDateEpoch !== undefined) return { epoch: sourceDateEpoch, source: 'SOURCE_DATE_EPOCH' };
  if (pinned !== undefined) return { epoch: pinned, source: 'pin' };
  const e = newestMtime(elements.map((x) => x.path));
  return { epoch: e, source: 'inputs', elements: e };
}

/** After the bootstrap: a default epoch moves to the tree's newest mtime when that is later. */
export function withBootstrapEpoch(r: EpochRecord, treeNewest: number): EpochRecord {
  if (r.source !== 'inputs') return r;
  return { ...r, epoch: Math.max(r.epoch, treeNewest), bootstrap: treeNewest };
}

/** Newest mtime (whole seconds) of every entry under `dirs`, symlinks not followed; 0 for none. */
export function newestMtime(dirs: readonly string[]): number {
  let newest = 0;
  const walk = (p: string): void => {
    const st = lstatSync(p, { throwIfNoEntry: false });
    if (!st) return;
    newest = Math.max(newest, Math.floor(st.mtimeMs / 1000));
    if (st.isDirectory()) for (const e of readdirSync(p)) walk(join(p, e));
  };
  for (const d of dirs) walk(d);
  return newest;
}

/** Newest mtime in a root tree, read as root of the tree (its directories may be closed to the user). */
export async function treeNewestMtime(runner: Runner, identity: Identity, tree: string): Promise<number> {
  const argv = [...asTreeRoot(identity), 'find', tree, '-xdev', '-printf', '%Ts\\n'];
  const out = (await runner.run(argv[0]!, argv.slice(1), { context: 'epoch (the bootstrapped tree)' })).stdout;
  let newest = 0;
  for (const l of out.split('\n')) if (l !== '') newest = Math.max(newest, Number(l));
  return newest;
}

export function formatEpoch(r: EpochRecord): string {
  const at = new Date(r.epoch * 1000).toISOString();
  if (r.source === 'SOURCE_DATE_EPOCH') return `epoch ${r.epoch} (${at}, SOURCE_DATE_EPOCH)`;
  if (r.source === 'pin') return `epoch ${r.epoch} (${at}, from the --pin record)`;
  const parts = [`element files ${r.elements}`, ...(r.bootstrap !== undefined ? [`bootstrapped tree ${r.bootstrap}`] : [])];
  return `epoch ${r.epoch} (${at}, the newest of: ${parts.join(', ')}; set SOURCE_DATE_EPOCH to choose one)`;
}
