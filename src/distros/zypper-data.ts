/**
 * distros/<name>.yaml of the zypper family (opensuse.yaml): releases and their repositories
 * (paths under the mirror), architectures and the bootstrap package set, parsed once into typed
 * data, and the lookups the planner uses (DIB_RELEASE -> release, ARCH -> RPM architecture).
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { KilnError } from '../errors.js';

export interface ZypperRepoSpec {
  /** the repository's alias (DIB's repo-oss, repo-update) */
  name: string;
  /** the path under the mirror; {arch} is the RPM architecture */
  path: string;
  /** another path on some architectures (Tumbleweed's ports tree) */
  archPath: Map<string, string>;
  /** only on these architectures; null: on every one */
  arches: string[] | null;
  /** autorefresh=1 in the repo file (DIB's addrepo -f) */
  refresh: boolean;
}
export interface ZypperRelease {
  version: string;
  repos: ZypperRepoSpec[];
}
export interface ZypperArch {
  /** null: no kernel package (a data file for a tree without a kernel) */
  kernel: string | null;
  grubBios: string | null;
  grubEfi: string | null;
}
export interface ZypperData {
  /** the distro (DISTRO_NAME): opensuse */
  name: string;
  initramfs: string;
  /** the tree's rpm database directory (%_dbpath) */
  rpmDbPath: string;
  /** GRUB 2's configuration file in the image, its module directory and the ESP directory (EFI_BOOT_DIR) */
  grub: { cfg: string; modules: string; efiDir: string };
  defaultRelease: string;
  releases: Map<string, ZypperRelease>;
  aliases: Map<string, string>;
  archAliases: Map<string, string>;
  architectures: Map<string, ZypperArch>;
  packages: string[];
  releasePackages: Map<string, string[]>;
}

const loaded = new Map<string, ZypperData>();

export function loadZypperData(file: string): ZypperData {
  const hit = loaded.get(file);
  if (hit) return hit;
  const data = parseZypperData(readFileSync(file, 'utf8'), file);
  loaded.set(file, data);
  return data;
}

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);

export function parseZypperData(text: string, where: string): ZypperData {
  // biome-ignore lint/suspicious/noExplicitAny: untrusted YAML, checked field by field below
  const y = parse(text) as any;
  if (!y || typeof y !== 'object' || !y.releases || !y.architectures || !Array.isArray(y.packages)) {
    throw new KilnError('not a distro data file (needs releases, architectures, packages)', { where });
  }
  const releases = new Map<string, ZypperRelease>();
  // biome-ignore lint/suspicious/noExplicitAny: untrusted YAML
  for (const [name, r] of Object.entries<any>(y.releases)) {
    if (!r || !Array.isArray(r.repos) || r.repos.length === 0) {
      throw new KilnError(`release '${name}' has no repos`, { where, hint: 'each release needs repos: [{ name, path }, ...]' });
    }
    // biome-ignore lint/suspicious/noExplicitAny: untrusted YAML
    const repos = r.repos.map((x: any): ZypperRepoSpec => {
      if (!x || typeof x.name !== 'string' || typeof x.path !== 'string') {
        throw new KilnError(`release '${name}': a repository needs a name and a path`, { where });
      }
      return {
        name: x.name,
        path: x.path,
        archPath: new Map(Object.entries<string>(x.arch_path ?? {}).map(([k, v]) => [k, String(v)])),
        arches: Array.isArray(x.arches) ? x.arches.map(String) : null,
        refresh: Boolean(x.refresh),
      };
    });
    releases.set(name, { version: String(r.version ?? name), repos });
  }
  const aliases = new Map<string, string>();
  for (const [name, target] of Object.entries<string>(y.aliases ?? {})) {
    if (!releases.has(String(target))) throw new KilnError(`alias '${name}' names unknown release '${target}'`, { where });
    aliases.set(name, String(target));
  }
  const architectures = new Map<string, ZypperArch>();
  for (const [name, a] of Object.entries<Record<string, unknown>>(y.architectures)) {
    const one = (v: unknown): string | null => (typeof v === 'string' ? v : null);
    architectures.set(name, { kernel: one(a?.kernel), grubBios: one(a?.grub_bios), grubEfi: one(a?.grub_efi) });
  }
  const name = String(y.name ?? 'opensuse');
  return {
    name,
    initramfs: String(y.initramfs ?? 'dracut'),
    rpmDbPath: String(y.rpm_dbpath ?? '/usr/lib/sysimage/rpm'),
    grub: {
      cfg: String(y.grub?.cfg ?? '/boot/grub2/grub.cfg'),
      modules: String(y.grub?.modules ?? '/usr/share/grub2'),
      efiDir: String(y.grub?.efi_dir ?? `EFI/${name}`),
    },
    defaultRelease: String(y.default_release ?? [...releases.keys()][0]),
    releases,
    aliases,
    archAliases: new Map(Object.entries<string>(y.arch_aliases ?? {})),
    architectures,
    packages: strings(y.packages),
    releasePackages: new Map(Object.entries<unknown>(y.release_packages ?? {}).map(([k, v]) => [k, strings(v)])),
  };
}

/** DIB_RELEASE -> the release's name in the data; DIB lower-cases it (opensuse-minimal's environment.d). */
export function resolveZypperRelease(data: ZypperData, release: string): { name: string } & ZypperRelease {
  const asked = release.toLowerCase();
  const name = data.aliases.get(asked) ?? asked;
  const r = data.releases.get(name);
  if (!r) {
    throw new KilnError(`unknown ${data.name} release '${release}'`, {
      where: 'DIB_RELEASE',
      hint: `use one of ${[...data.releases.keys(), ...data.aliases.keys()].join(', ')}`,
    });
  }
  return { name, ...r };
}

/** ARCH -> the RPM architecture and its packages. */
export function resolveZypperArch(data: ZypperData, arch: string): { name: string } & ZypperArch {
  const name = data.archAliases.get(arch) ?? arch;
  const a = data.architectures.get(name);
  if (!a) {
    throw new KilnError(`unsupported architecture '${arch}' for ${data.name}`, {
      where: 'ARCH',
      hint: `use one of ${[...data.architectures.keys()].join(', ')}`,
    });
  }
  return { name, ...a };
}
