/**
 * What a finished tree has installed, and where apt had it from: the package database of the tree
 * (dpkg's status file; rpm's database through the host's rpm), and for apt trees the sources whose
 * package lists are in the tree (the URI, the Release file's Origin, Suite, Codename and Date) with,
 * for each installed package, the source whose index lists that exact version. The record of
 * NAME.d/pin.json (src/build/pin-record.ts); pure parsers plus reads through src/tree.
 */
import type { Runner } from '../exec/runner.js';
import type { Tree } from '../tree/fs.js';

export interface InstalledPackage {
  name: string;
  version: string;
  arch: string;
  /** index into the record's sources, when a source lists this version */
  source?: number;
}

export interface PackageSource {
  /** host and path of the archive, as apt names its list files (no scheme) */
  uri: string;
  suite: string;
  origin?: string;
  codename?: string;
  /** the Release file's Date: the archive's state */
  date?: string;
}

export type PackageManager = 'dpkg' | 'rpm';

/** Fields of one deb822 stanza (continuation lines dropped). */
function stanzas(text: string): Map<string, string>[] {
  const out: Map<string, string>[] = [];
  let cur = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line.trim() === '') {
      if (cur.size > 0) out.push(cur);
      cur = new Map();
      continue;
    }
    if (line.startsWith(' ') || line.startsWith('\t')) continue;
    const i = line.indexOf(':');
    if (i > 0) cur.set(line.slice(0, i), line.slice(i + 1).trim());
  }
  if (cur.size > 0) out.push(cur);
  return out;
}

/** dpkg's status file: the packages that are installed (sorted by name, then arch). */
export function parseDpkgStatus(text: string): InstalledPackage[] {
  return stanzas(text)
    .filter((s) => /^\S+ \S+ installed$/.test(s.get('Status') ?? '') && s.has('Package') && s.has('Version'))
    .map((s) => ({ name: s.get('Package')!, version: s.get('Version')!, arch: s.get('Architecture') ?? 'all' }))
    .sort((a, b) => (a.name === b.name ? a.arch.localeCompare(b.arch) : a.name < b.name ? -1 : 1));
}

/** A Release or InRelease file (a clearsigned one too): its first stanza's fields. */
export function parseRelease(text: string, uri: string): PackageSource {
  const body = text.includes('-----BEGIN PGP SIGNED MESSAGE-----') ? text.replace(/^[\s\S]*?\n\n/, '') : text;
  const f = stanzas(body)[0] ?? new Map<string, string>();
  return {
    uri,
    suite: f.get('Suite') ?? '',
    ...(f.has('Origin') ? { origin: f.get('Origin')! } : {}),
    ...(f.has('Codename') ? { codename: f.get('Codename')! } : {}),
    ...(f.has('Date') ? { date: f.get('Date')! } : {}),
  };
}

const LISTS = '/var/lib/apt/lists';

/** apt's list file names: URI with '/' as '_' (apt escapes a '_' of the URI as %5f) */
function uriOf(prefix: string): string {
  return prefix
    .replace(/_dists_.*$/, '')
    .replace(/_/g, '/')
    .replace(/%5f/gi, '_');
}

/**
 * The sources of an apt tree (its lists), and each installed package's source: the first source (by
 * list name) whose Packages index has the package at its installed version. Lists absent (removed):
 * no sources.
 */
export function aptSources(tree: Tree, installed: InstalledPackage[]): { sources: PackageSource[]; packages: InstalledPackage[] } {
  if (!tree.isDirectory(LISTS)) return { sources: [], packages: installed };
  const names = tree.readdir(LISTS).sort();
  const releases = names.filter((n) => /_(In)?Release$/.test(n));
  // one source per dists/<suite> directory, InRelease preferred
  const byPrefix = new Map<string, string>();
  for (const r of releases) {
    const prefix = r.replace(/(In)?Release$/, '');
    if (!byPrefix.has(prefix) || r.endsWith('_InRelease')) byPrefix.set(prefix, r);
  }
  const prefixes = [...byPrefix.keys()].sort();
  const sources = prefixes.map((p) => parseRelease(tree.readFile(`${LISTS}/${byPrefix.get(p)}`).toString('utf8'), uriOf(p)));
  const want = new Map(installed.map((p) => [`${p.name}\t${p.version}`, p]));
  const found = new Map<string, number>();
  for (const n of names.filter((x) => x.endsWith('_Packages'))) {
    const src = prefixes.findIndex((p) => n.startsWith(p));
    if (src < 0 || !tree.isFile(`${LISTS}/${n}`)) continue;
    let name = '';
    for (const line of tree.readFile(`${LISTS}/${n}`).toString('utf8').split('\n')) {
      if (line.startsWith('Package: ')) name = line.slice(9).trim();
      else if (line.startsWith('Version: ')) {
        const k = `${name}\t${line.slice(9).trim()}`;
        if (want.has(k) && !found.has(k)) found.set(k, src);
      }
    }
  }
  return { sources, packages: installed.map((p) => (found.has(`${p.name}\t${p.version}`) ? { ...p, source: found.get(`${p.name}\t${p.version}`)! } : p)) };
}

/** The tree's installed packages and its package manager; undefined when it has neither database. */
export async function installedPackages(tree: Tree, runner: Runner): Promise<{ manager: PackageManager; packages: InstalledPackage[] } | undefined> {
  if (tree.isFile('/var/lib/dpkg/status')) return { manager: 'dpkg', packages: parseDpkgStatus(tree.readFile('/var/lib/dpkg/status').toString('utf8')) };
  // the tree's own database (newer releases keep it in /usr/lib/sysimage/rpm), not the host rpm's default
  const dbpath = ['/usr/lib/sysimage/rpm', '/var/lib/rpm'].find((d) => tree.isDirectory(d) && tree.readdir(d).length > 0);
  if (dbpath) {
    try {
      const r = await runner.run('rpm', ['--root', tree.root, '--dbpath', dbpath, '-qa', '--qf', '%{NAME}\\t%{EPOCHNUM}:%{VERSION}-%{RELEASE}\\t%{ARCH}\\n']);
      const packages = r.stdout
        .split('\n')
        .filter((l) => l !== '' && !l.startsWith('gpg-pubkey\t'))
        .map((l) => {
          const [name, version, arch] = l.split('\t');
          return { name: name!, version: version!.replace(/^0:/, ''), arch: arch! };
        })
        .sort((a, b) => (a.name === b.name ? a.arch.localeCompare(b.arch) : a.name < b.name ? -1 : 1));
      return { manager: 'rpm', packages };
    } catch {
      return undefined; // no rpm on the host: the record has no package list
    }
  }
  return undefined;
}
