/**
 * distros/<name>.yaml of the apt family (debian.yaml, ubuntu.yaml): releases, aliases,
 * architectures and the bootstrap package set, parsed once into typed data, and the lookups the
 * driver and the tests use (release -> suites, ARCH -> the distro's architecture and its
 * kernel/GRUB packages).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { KilnError } from '../errors.js';

/** distros/ at the repository root (this file runs from dist/src/distros/). */
export const DISTROS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../../distros');

export interface DebianRelease {
  version: string;
  security: string | null;
  updates: boolean;
  aliasOf?: string;
}
export interface DebianArch {
  /** null: no kernel package (a data file for a tree without a kernel) */
  kernel: string | null;
  grubBios: string | null;
  grubEfi: string | null;
  /** the release codenames that have this arch's kernel; null: every release */
  kernelReleases: string[] | null;
}
export interface DebianData {
  /** the distro (DISTRO_NAME): debian, ubuntu */
  name: string;
  /** true: there is no default mirror, DIB_DISTRIBUTION_MIRROR must be set */
  mirrorRequired: boolean;
  /** the host keyring used when DIB_APT_KEYRING is unset (null: mmdebstrap's default) */
  keyring: string | null;
  /** true: <suite>-security is on the same mirror when DIB_DEBIAN_SECURITY_MIRROR is unset */
  securityOnMirror: boolean;
  /** the initramfs tool the distro's elements run in finalise.d */
  initramfs: string;
  /** GRUB's configuration file in the image and the ESP directory (EFI_BOOT_DIR) */
  grub: { cfg: string; efiDir: string };
  defaultRelease: string;
  defaultComponents: string[];
  variant: string;
  releases: Map<string, DebianRelease>;
  archAliases: Map<string, string>;
  architectures: Map<string, DebianArch>;
  packages: string[];
  releasePackages: Map<string, string[]>;
}

/** What DIB_RELEASE means: the suite given to mmdebstrap and the data of the release it names. */
export interface ResolvedRelease {
  suite: string;
  codename: string;
  version: string;
  /** e.g. bookworm-security; null when the release has no security suite (sid, testing) */
  securitySuite: string | null;
  updatesSuite: string | null;
}

const loaded = new Map<string, DebianData>();

/** The data file of an apt-family distro: <dataDir>/<name>.yaml when it exists (KILN_DISTRO_DATA_DIR), else Kiln's. */
export function aptDataFile(name: string, dataDir?: string): string {
  const own = dataDir ? resolve(dataDir, `${name}.yaml`) : undefined;
  return own && existsSync(own) ? own : resolve(DISTROS_DIR, `${name}.yaml`);
}

export function loadDebianData(file = resolve(DISTROS_DIR, 'debian.yaml')): DebianData {
  const hit = loaded.get(file);
  if (hit) return hit;
  const data = parseDebianData(readFileSync(file, 'utf8'), file);
  loaded.set(file, data);
  return data;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function parseDebianData(text: string, where: string): DebianData {
  // biome-ignore lint/suspicious/noExplicitAny: untrusted YAML, checked field by field below
  const y = parse(text) as any;
  if (!y || typeof y !== 'object' || !y.releases || !y.architectures || !Array.isArray(y.packages)) {
    throw new KilnError('not a distro data file (needs releases, architectures, packages)', { where });
  }
  const releases = new Map<string, DebianRelease>();
  for (const [name, r] of Object.entries<{ version: unknown; security: string | null; updates: boolean }>(y.releases)) {
    releases.set(name, { version: String(r.version), security: r.security ?? null, updates: Boolean(r.updates) });
  }
  for (const [name, r] of Object.entries<{ alias_of: string; security: string | null; updates: boolean }>(y.aliases ?? {})) {
    const target = releases.get(r.alias_of);
    if (!target) throw new KilnError(`alias '${name}' names unknown release '${r.alias_of}'`, { where });
    releases.set(name, { version: target.version, security: r.security ?? null, updates: Boolean(r.updates), aliasOf: r.alias_of });
  }
  const architectures = new Map<string, DebianArch>();
  for (const [name, a] of Object.entries<Record<string, string | string[] | null>>(y.architectures)) {
    const one = (v: string | string[] | null | undefined): string | null => (typeof v === 'string' ? v : null);
    architectures.set(name, {
      kernel: one(a.kernel),
      grubBios: one(a.grub_bios),
      grubEfi: one(a.grub_efi),
      kernelReleases: Array.isArray(a.kernel_releases) ? a.kernel_releases.map(String) : null,
    });
  }
  const name = String(y.name ?? 'debian');
  return {
    name,
    mirrorRequired: Boolean(y.mirror_required),
    keyring: typeof y.keyring === 'string' ? y.keyring : null,
    securityOnMirror: Boolean(y.security_on_mirror),
    initramfs: String(y.initramfs ?? 'initramfs-tools'),
    grub: { cfg: String(y.grub?.cfg ?? '/boot/grub/grub.cfg'), efiDir: String(y.grub?.efi_dir ?? `EFI/${name}`) },
    defaultRelease: String(y.default_release ?? 'stable'),
    defaultComponents: (y.default_components ?? ['main']).map(String),
    variant: String(y.variant ?? 'minbase'),
    releases,
    archAliases: new Map(Object.entries<string>(y.arch_aliases ?? {})),
    architectures,
    packages: y.packages.map(String),
    releasePackages: new Map(Object.entries<string[]>(y.release_packages ?? {}).map(([k, v]) => [k, v.map(String)])),
  };
}

export function resolveRelease(data: DebianData, release: string): ResolvedRelease {
  const r = data.releases.get(release);
  if (!r) {
    throw new KilnError(`unknown ${title(data.name)} release '${release}'`, {
      where: 'DIB_RELEASE',
      hint: `use one of ${[...data.releases.keys()].join(', ')}`,
    });
  }
  return {
    suite: release,
    codename: r.aliasOf ?? release,
    version: r.version,
    securitySuite: r.security,
    updatesSuite: r.updates ? `${release}-updates` : null,
  };
}

export function resolveArch(data: DebianData, arch: string): { name: string } & DebianArch {
  const name = data.archAliases.get(arch) ?? arch;
  const a = data.architectures.get(name);
  if (!a) {
    throw new KilnError(`unsupported architecture '${arch}' for ${title(data.name)}`, {
      where: 'ARCH',
      hint: `use one of ${[...data.architectures.keys()].join(', ')}`,
    });
  }
  return { name, ...a };
}

export function title(name: string): string {
  return name.charAt(0).toUpperCase() + name.slice(1);
}
