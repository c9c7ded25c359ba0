/**
 * `--pin FILE`: rebuild from a build's record (NAME.d/pin.json, pin-record.ts). The record's epoch is
 * the build's (as a default epoch is: mmdebstrap does not get it, so the bootstrap cache key is the
 * recorded build's and its cached bootstrap is reused). In apt trees, before pre-install.d, apt is
 * told to install exactly the recorded versions (a preferences file, priority 1001), and the
 * recorded versions found in the package cache are served from a local repository in the tree, for
 * the ones the mirror no longer has (a snapshot mirror: --pin-mirror). After cleanup.d, every package
 * the image has is compared with the record, and the build fails naming each one it could not get
 * at the recorded version. What Kiln added to the tree for this is removed before the image is made,
 * and the times of the directories it changed are put back.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { aptCacheDir } from '../distros/apt-cache.js';
import { type InstalledPackage, installedPackages } from '../distros/installed-packages.js';
import { KilnError } from '../errors.js';
import { runAsTreeRoot } from '../sandbox/sandbox.js';
import { Tree } from '../tree/fs.js';
import type { TreeRootContext } from '../tree/root-ops.js';
import type { Build } from './build.js';
import { hooksView, hookViewSettings } from './environment-d.js';
import { PIN_VERSION, type PinRecord } from './pin-types.js';

export const PIN_PREFERENCES = '/etc/apt/preferences.d/kiln-pin';
export const PIN_SOURCES = '/etc/apt/sources.list.d/kiln-pin.list';
export const PIN_REPO = '/var/lib/kiln-pin';

/** Read and check a record; a KilnError names the file and what is wrong. */
export function loadPinRecord(file: string): PinRecord {
  let r: Partial<PinRecord>;
  try {
    r = JSON.parse(readFileSync(file, 'utf8')) as Partial<PinRecord>;
  } catch (e) {
    throw new KilnError(`--pin ${file}: cannot read it: ${(e as Error).message.split('\n')[0]}`, { hint: "pass a build's NAME.d/pin.json" });
  }
  const bad = (what: string) => new KilnError(`--pin ${file}: ${what}`, { hint: "pass a build's NAME.d/pin.json (schemas/pin.json)" });
  if (r.pinVersion !== PIN_VERSION) throw bad(`pinVersion ${JSON.stringify(r.pinVersion)} is not ${PIN_VERSION}`);
  if (!r.epoch || !Number.isInteger(r.epoch.epoch)) throw bad('it has no epoch');
  if (!Array.isArray(r.packages) || r.packages.some((p) => typeof p?.name !== 'string' || typeof p?.version !== 'string')) {
    throw bad('packages is not a list of {name, version, arch}');
  }
  return r as PinRecord;
}

/** apt_preferences(5): each recorded package at its version, above any archive (1001 also downgrades). */
export function formatPinPreferences(packages: readonly InstalledPackage[]): string {
  return packages.map((p) => `Package: ${p.name}\nPin: version ${p.version}\nPin-Priority: 1001\n`).join('\n');
}

/** apt's file name of a package's .deb (the version's ':' escaped as apt does). */
export function debFileName(p: InstalledPackage): string {
  return `${p.name}_${p.version.replace(/:/g, '%3a')}_${p.arch}.deb`;
}

/** A Packages stanza for a .deb: its control fields (dpkg-deb -f) and where it is. */
export function packagesStanza(control: string, fileName: string, data: Buffer): string {
  return `${control.trimEnd()}\nFilename: ./${fileName}\nSize: ${data.length}\nSHA256: ${createHash('sha256').update(data).digest('hex')}\n`;
}

/** The directories whose entries applyPin changes: their mtimes are put back by checkPin. */
export const PIN_DIRS = ['/etc/apt/preferences.d', '/etc/apt/sources.list.d', '/var/lib'] as const;

/** The mtimes of `dirs` (those that exist), in nanoseconds, to put back with restoreDirTimes. */
export function dirTimes(tree: Tree, dirs: readonly string[]): Map<string, bigint> {
  const times = new Map<string, bigint>();
  for (const d of dirs) {
    const p = tree.resolve(d);
    if (!p.stat?.isDirectory()) continue;
    times.set(d, statSync(p.host, { bigint: true }).mtimeNs);
  }
  return times;
}

/**
 * The time each directory would have without the pin's files: the one before they were added when
 * nothing else changed the directory since (its time is still the one right after they were added),
 * else the time of that later change.
 */
export function pinnedDirTimes(before: ReadonlyMap<string, bigint>, after: ReadonlyMap<string, bigint>, now: ReadonlyMap<string, bigint>): Map<string, bigint> {
  const out = new Map<string, bigint>();
  for (const [d, t] of now) {
    const b = before.get(d);
    if (b === undefined) continue; // made by the pin (removed again) or by the build
    out.set(d, t === after.get(d) ? b : t);
  }
  return out;
}

/** Put the directories' mtimes back (as root of the tree: they are the tree's), so what was added and removed leaves no trace. */
export async function restoreDirTimes(ctx: TreeRootContext, tree: Tree, times: ReadonlyMap<string, bigint>): Promise<void> {
  for (const [d, ns] of times) {
    const p = tree.resolve(d);
    if (!p.stat?.isDirectory()) continue;
    const stamp = `@${ns / 1_000_000_000n}.${String(ns % 1_000_000_000n).padStart(9, '0')}`;
    await runAsTreeRoot(ctx, ['touch', '-m', '-d', stamp, '--', p.host], { context: 'pin (restore a directory time)' });
  }
}

export async function applyPin(b: Build): Promise<void> {
  const record = b.pin;
  if (!record) return;
  const tree = new Tree(b.ws.tree);
  if (!tree.isDirectory('/etc/apt')) return;
  const before = dirTimes(tree, PIN_DIRS);
  const madePrefsDir = !tree.isDirectory('/etc/apt/preferences.d');
  tree.mkdirp('/etc/apt/preferences.d');
  b.pinMadeDirs = [];
  if (madePrefsDir) b.pinMadeDirs.push('/etc/apt/preferences.d');
  tree.writeFile(PIN_PREFERENCES, formatPinPreferences(record.packages));
  // the recorded versions the package cache has: a local repository apt reads in place
  const env = await hooksView(b);
  const cache = aptCacheDir(b.config.cacheDir, hookViewSettings(b.config, env).distroName ?? '');
  const cached = record.packages.filter((p) => existsSync(join(cache, debFileName(p))));
  if (cached.length > 0) {
    const repo = tree.mkdirp(PIN_REPO);
    const stanzas: string[] = [];
    for (const p of cached) {
      const f = join(cache, debFileName(p));
      const control = (await b.runner.run('dpkg-deb', ['-f', f])).stdout;
      stanzas.push(packagesStanza(control, debFileName(p), readFileSync(f)));
    }
    await runAsTreeRoot(
      b,
      [
        'sh',
        '-c',
        'dst=$1; shift; cp -l -t "$dst" -- "$@" 2>/dev/null || cp -t "$dst" -- "$@"',
        'kiln-pin',
        repo,
        ...cached.map((p) => join(cache, debFileName(p))),
      ],
      {
        context: 'pin (the local repository)',
      },
    );
    tree.writeFile(`${PIN_REPO}/Packages`, stanzas.join('\n'));
    if (!tree.isDirectory('/etc/apt/sources.list.d')) b.pinMadeDirs.push('/etc/apt/sources.list.d');
    tree.mkdirp('/etc/apt/sources.list.d');
    tree.writeFile(PIN_SOURCES, `deb [trusted=yes] file:${PIN_REPO} ./\n`);
  }
  b.pinDirTimes = { before, after: dirTimes(tree, PIN_DIRS) };
  b.log.info(`pin: apt installs the ${record.packages.length} recorded version(s); ${cached.length} of them from the package cache`);
}

/** The differences between the record and what the image has: one line per package. */
export function comparePin(record: readonly InstalledPackage[], installed: readonly InstalledPackage[]): string[] {
  const have = new Map(installed.map((p) => [`${p.name}:${p.arch}`, p]));
  const want = new Map(record.map((p) => [`${p.name}:${p.arch}`, p]));
  const out: string[] = [];
  for (const [k, p] of [...want].sort()) {
    const h = have.get(k);
    if (!h) out.push(`${p.name} ${p.version} (${p.arch}): not installed`);
    else if (h.version !== p.version) out.push(`${p.name} ${p.version} (${p.arch}): installed ${h.version} instead`);
  }
  for (const [k, h] of [...have].sort()) if (!want.has(k)) out.push(`${h.name} ${h.version} (${h.arch}): installed, not in the record`);
  return out;
}

export async function checkPin(b: Build): Promise<void> {
  const record = b.pin;
  if (!record) return;
  const tree = new Tree(b.ws.tree);
  const now = dirTimes(tree, PIN_DIRS);
  for (const f of [PIN_PREFERENCES, PIN_SOURCES]) tree.remove(f);
  if (tree.isDirectory(PIN_REPO))
    await runAsTreeRoot(b, ['rm', '-rf', '--one-file-system', '--', tree.resolve(PIN_REPO).host], { context: 'pin (remove the local repository)' });
  for (const d of b.pinMadeDirs ?? []) if (tree.isDirectory(d) && tree.readdir(d).length === 0) tree.remove(d);
  if (b.pinDirTimes) await restoreDirTimes(b, tree, pinnedDirTimes(b.pinDirTimes.before, b.pinDirTimes.after, now));
  const installed = await installedPackages(tree, b.runner);
  const diff = comparePin(record.packages, installed?.packages ?? []);
  if (diff.length === 0) {
    b.log.info(`pin: every package is at its recorded version (${record.packages.length})`);
    return;
  }
  const shown = diff.slice(0, 40);
  throw new KilnError(
    `--pin: ${diff.length} package(s) are not as recorded:\n${shown.map((l) => `  ${l}`).join('\n')}${diff.length > shown.length ? `\n  ... and ${diff.length - shown.length} more` : ''}`,
    { hint: 'give a snapshot mirror of the recorded date with --pin-mirror URL, or build where the package cache still holds those versions' },
  );
}
