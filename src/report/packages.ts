/**
 * The packages installed in the final tree, read from the package database the tree holds: dpkg's
 * status file (/var/lib/dpkg/status, parsed here; the fields dpkg-query shows), else the RPM database
 * (/usr/lib/sysimage/rpm or /var/lib/rpm, queried with the host's rpm --root as root of the tree).
 * What the build report and the SBOM list. Reads go through src/tree (symlinks resolved inside the tree).
 */
import { asTreeRoot } from '../sandbox/identity.js';
import type { Tree } from '../tree/fs.js';
import type { TreeRootContext } from '../tree/root-ops.js';

export interface InstalledPackage {
  name: string;
  version: string;
  arch: string;
  /** the source package, and its version when it differs from the binary's (dpkg's Source: field) */
  source: string;
  sourceVersion: string;
}

export interface PackageList {
  /** the package database it was read from */
  format: 'dpkg' | 'rpm';
  packages: InstalledPackage[];
}

export const DPKG_STATUS = '/var/lib/dpkg/status';

/** dpkg's status file: one stanza per package; only those whose state is "installed". Sorted by name, arch. */
export function parseDpkgStatus(text: string): InstalledPackage[] {
  const out: InstalledPackage[] = [];
  for (const stanza of text.split(/\n\s*\n/)) {
    const f = new Map<string, string>();
    for (const line of stanza.split('\n')) {
      if (line === '' || line.startsWith(' ') || line.startsWith('\t')) continue; // continuation lines
      const i = line.indexOf(':');
      if (i > 0) f.set(line.slice(0, i).toLowerCase(), line.slice(i + 1).trim());
    }
    const name = f.get('package');
    // Status: WANT FLAG STATE; "config-files" and "not-installed" packages are not in the image
    if (!name || f.get('status')?.split(/\s+/)[2] !== 'installed') continue;
    const version = f.get('version') ?? '';
    // Source: NAME or NAME (VERSION); absent: the source is the binary package itself
    const m = /^(\S+)(?:\s+\((\S+)\))?$/.exec(f.get('source') ?? '');
    out.push({ name, version, arch: f.get('architecture') ?? '', source: m?.[1] ?? name, sourceVersion: m?.[2] ?? version });
  }
  return out.sort((a, b) => (a.name === b.name ? a.arch.localeCompare(b.arch) : a.name < b.name ? -1 : 1));
}

/** The tree's dpkg packages, or null when it has no dpkg database. */
export function readDpkgPackages(tree: Tree): PackageList | null {
  if (!tree.isFile(DPKG_STATUS)) return null;
  return { format: 'dpkg', packages: parseDpkgStatus(tree.readFile(DPKG_STATUS).toString('utf8')) };
}

/** Where RPM keeps its database in the tree (rpm 4.16+: /usr/lib/sysimage/rpm; before: /var/lib/rpm). */
export const RPM_DB_PATHS = ['/usr/lib/sysimage/rpm', '/var/lib/rpm'] as const;

/** rpm --queryformat: name, [epoch:]version-release, arch, source rpm; one line each. */
export const RPM_QUERY_FORMAT = '%{NAME}\\t%|EPOCH?{%{EPOCH}:}:{}|%{VERSION}-%{RELEASE}\\t%{ARCH}\\t%{SOURCERPM}\\n';

/** rpm -qa --queryformat RPM_QUERY_FORMAT's lines; gpg-pubkey entries (imported keys) are not packages. */
export function parseRpmQuery(text: string): InstalledPackage[] {
  const out: InstalledPackage[] = [];
  for (const line of text.split('\n')) {
    const [name, version, arch, srpm] = line.split('\t');
    if (!name || version === undefined || name === 'gpg-pubkey') continue;
    // NAME-VERSION-RELEASE.src.rpm
    const m = /^(.+)-([^-]+)-([^-]+)\.(?:no)?src\.rpm$/.exec(srpm ?? '');
    out.push({ name, version, arch: arch ?? '', source: m?.[1] ?? name, sourceVersion: m ? `${m[2]}-${m[3]}` : version });
  }
  return out.sort((a, b) => (a.name === b.name ? a.arch.localeCompare(b.arch) : a.name < b.name ? -1 : 1));
}

/** The tree's installed packages (dpkg, else RPM), or null when it has no package database Kiln reads. */
export async function readInstalledPackages(ctx: TreeRootContext, tree: Tree): Promise<PackageList | null> {
  const dpkg = readDpkgPackages(tree);
  if (dpkg) return dpkg;
  const db = RPM_DB_PATHS.find((p) => tree.isDirectory(p) && tree.readdir(p).length > 0);
  if (!db) return null;
  // as root of the tree: its files are the tree's owners'; rpm reads <root><dbpath>
  const argv = [...asTreeRoot(ctx.identity), 'rpm', '--root', tree.root, '--dbpath', db, '-qa', '--queryformat', RPM_QUERY_FORMAT];
  const r = await ctx.runner.run(argv[0]!, argv.slice(1), { context: 'list the RPM packages of the tree' });
  return { format: 'rpm', packages: parseRpmQuery(r.stdout) };
}

/** ID, VERSION_ID and PRETTY_NAME of the tree's os-release (etc, else usr/lib), or null. */
export function readOsRelease(tree: Tree): { id: string; versionId: string; prettyName: string } | null {
  for (const p of ['/etc/os-release', '/usr/lib/os-release']) {
    if (!tree.isFile(p)) continue;
    const v = new Map<string, string>();
    for (const line of tree.readFile(p).toString('utf8').split('\n')) {
      const m = /^([A-Z_]+)=(.*)$/.exec(line.trim());
      if (m) v.set(m[1]!, m[2]!.replace(/^(["'])(.*)\1$/, '$2'));
    }
    return { id: v.get('ID') ?? '', versionId: v.get('VERSION_ID') ?? '', prettyName: v.get('PRETTY_NAME') ?? v.get('NAME') ?? '' };
  }
  return null;
}
