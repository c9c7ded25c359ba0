/**
 * distros/<name>.yaml of the Red Hat family (centos.yaml, fedora.yaml, rocky.yaml, almalinux.yaml,
 * rhel.yaml): releases, aliases, architectures, the repositories under a mirror and the bootstrap
 * package set, parsed once into typed data, and the lookups the dnf driver and the tests use.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { KilnError } from '../errors.js';

export interface RpmRelease {
  /** dnf's $releasever (DIB passes ${DIB_RELEASE/-*\/}: 9 for 9-stream) */
  releasever: string;
  /** where the release keeps its rpm database, inside the tree */
  dbpath: string;
  /** the release an alias names (undefined for a release itself) */
  aliasOf?: string;
}

export interface RpmArch {
  grubBios: string | null;
  grubEfi: string | null;
  shim: string | null;
}

/** One repository under DIB_DISTRIBUTION_MIRROR: {release}, {releasever} and {arch} in path are replaced. */
export interface RpmMirrorRepo {
  id: string;
  name: string;
  path: string;
}

export interface RpmData {
  /** the distro (DISTRO_NAME): centos, fedora, rocky, almalinux, rhel */
  name: string;
  /** how messages name it: "CentOS Stream" */
  title: string;
  /** the initramfs tool the distro's elements run */
  initramfs: string;
  /** GRUB's configuration file in the image and the ESP directory (EFI_BOOT_DIR) */
  grub: { cfg: string; efiDir: string };
  /** null: no kernel package (a data file for a tree without a kernel) */
  kernel: string | null;
  defaultRelease: string;
  releases: Map<string, RpmRelease>;
  archAliases: Map<string, string>;
  architectures: Map<string, RpmArch>;
  /** empty: the distro has no public layout Kiln knows, only repo files (DIB_YUM_REPO_CONF) */
  mirrorRepos: RpmMirrorRepo[];
  packages: string[];
  releasePackages: Map<string, string[]>;
}

const loaded = new Map<string, RpmData>();

export function loadRpmData(file: string): RpmData {
  const hit = loaded.get(file);
  if (hit) return hit;
  const data = parseRpmData(readFileSync(file, 'utf8'), file);
  loaded.set(file, data);
  return data;
}

export function parseRpmData(text: string, where: string): RpmData {
  // biome-ignore lint/suspicious/noExplicitAny: untrusted YAML, checked field by field below
  const y = parse(text) as any;
  if (!y || typeof y !== 'object' || !y.name || !y.releases || !y.architectures || !Array.isArray(y.packages)) {
    throw new KilnError('not a Red Hat family distro data file (needs name, releases, architectures, packages)', { where });
  }
  const releases = new Map<string, RpmRelease>();
  for (const [name, r] of Object.entries<{ releasever?: unknown; dbpath?: unknown }>(y.releases)) {
    if (r?.releasever === undefined) throw new KilnError(`release '${name}' has no releasever`, { where });
    releases.set(name, { releasever: String(r.releasever), dbpath: String(r.dbpath ?? '/var/lib/rpm') });
  }
  for (const [name, target] of Object.entries<unknown>(y.aliases ?? {})) {
    const r = releases.get(String(target));
    if (!r) throw new KilnError(`alias '${name}' names unknown release '${String(target)}'`, { where });
    releases.set(name, { ...r, aliasOf: String(target) });
  }
  const architectures = new Map<string, RpmArch>();
  for (const [name, a] of Object.entries<Record<string, unknown>>(y.architectures)) {
    const one = (v: unknown): string | null => (typeof v === 'string' ? v : null);
    architectures.set(name, { grubBios: one(a?.grub_bios), grubEfi: one(a?.grub_efi), shim: one(a?.shim) });
  }
  const mirrorRepos: RpmMirrorRepo[] = [];
  for (const r of (y.mirror_repos ?? []) as Record<string, unknown>[]) {
    if (typeof r?.id !== 'string' || typeof r.path !== 'string') throw new KilnError('a mirror_repos entry needs id and path', { where });
    if (!/^[A-Za-z0-9_.:-]+$/.test(r.id)) throw new KilnError(`mirror repo id '${r.id}' is not a dnf repo id`, { where });
    mirrorRepos.push({ id: r.id, name: String(r.name ?? r.id), path: r.path });
  }
  const name = String(y.name);
  const defaultRelease = String(y.default_release ?? [...releases.keys()][0]);
  if (!releases.has(defaultRelease)) throw new KilnError(`default_release '${defaultRelease}' is not a release`, { where });
  return {
    name,
    title: String(y.title ?? name),
    initramfs: String(y.initramfs ?? 'dracut'),
    grub: { cfg: String(y.grub?.cfg ?? '/boot/grub2/grub.cfg'), efiDir: String(y.grub?.efi_dir ?? `EFI/${name}`) },
    kernel: y.kernel === null ? null : String(y.kernel ?? 'kernel'),
    defaultRelease,
    releases,
    archAliases: new Map(Object.entries<string>(y.arch_aliases ?? {})),
    architectures,
    mirrorRepos,
    packages: y.packages.map(String),
    releasePackages: new Map(Object.entries<string[]>(y.release_packages ?? {}).map(([k, v]) => [k, (v ?? []).map(String)])),
  };
}

export function resolveRpmRelease(data: RpmData, release: string): { name: string } & RpmRelease {
  const r = data.releases.get(release);
  if (!r) {
    throw new KilnError(`unknown ${data.title} release '${release}'`, {
      where: 'DIB_RELEASE',
      hint: `use one of ${[...data.releases.keys()].join(', ')}`,
    });
  }
  return { name: release, ...r };
}

export function resolveRpmArch(data: RpmData, arch: string): { name: string } & RpmArch {
  const name = data.archAliases.get(arch) ?? arch;
  const a = data.architectures.get(name);
  if (!a) {
    throw new KilnError(`unsupported architecture '${arch}' for ${data.title}`, {
      where: 'ARCH',
      hint: `use one of ${[...data.architectures.keys()].join(', ')}`,
    });
  }
  return { name, ...a };
}
