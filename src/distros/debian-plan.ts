/**
 * Planning a Debian bootstrap: the build's settings (DIB_RELEASE, DIB_DISTRIBUTION_MIRROR, ...) ->
 * what to bootstrap (pure), and that plan -> the mmdebstrap argv (pure). The driver (debian.ts)
 * only executes these.
 */
import { KilnError } from '../errors.js';
import type { BootstrapSettings } from './types.js';
import { resolveArch, resolveRelease, title, type DebianData, type ResolvedRelease } from './debian-data.js';

export interface DebianBootstrapPlan {
  /** debian, ubuntu (the data file's name) */
  distro: string;
  release: ResolvedRelease;
  /** Debian architecture (amd64, arm64, i386) */
  arch: string;
  /** DIB_DISTRIBUTION_MIRROR when the user set it; null = mmdebstrap's default */
  mirror: string | null;
  /** DIB_DEBIAN_SECURITY_MIRROR when set (only used together with a mirror) */
  securityMirror: string | null;
  components: string[];
  variant: string;
  /** sorted, unique */
  packages: string[];
  keyring: string | null;
  /** mmdebstrap options translated from DIB_DEBOOTSTRAP_EXTRA_ARGS */
  extraArgs: string[];
  /** SOURCE_DATE_EPOCH when set: mmdebstrap then writes a reproducible tree (no logs, fixed times) */
  sourceDateEpoch: number | null;
}

/**
 * root: as real root; unshare: as root of the user namespace with the subordinate ids; fakechroot:
 * with one uid (Kiln's fakeroot mode), under mmdebstrap's own `fakechroot fakeroot`, whose tar
 * records the owners, modes and device nodes the way the other modes' tarballs have them.
 */
export type MmdebstrapMode = 'root' | 'unshare' | 'fakechroot';
export interface MmdebstrapRequest {
  plan: DebianBootstrapPlan;
  mode: MmdebstrapMode;
  output: string;
}

/** update-initramfs is diverted here for the whole build; finalise.d restores it and runs it once. */
export const INITRAMFS_DIVERT = '/usr/sbin/update-initramfs.kiln-real';

/** Options of DIB_DEBOOTSTRAP_EXTRA_ARGS that mean the same to mmdebstrap. */
const PASS_THROUGH = ['--include', '--keyring', '--variant', '--components', '--aptopt', '--dpkgopt', '--hook-dir'];

export function planDebianBootstrap(data: DebianData, arch: string, s: BootstrapSettings): DebianBootstrapPlan {
  const release = resolveRelease(data, s.release || data.defaultRelease);
  const a = resolveArch(data, arch);
  if (s.debootstrapScript) {
    throw new KilnError('DIB_DEBIAN_DEBOOTSTRAP_SCRIPT is not supported: Kiln bootstraps with mmdebstrap', {
      where: 'DIB_DEBIAN_DEBOOTSTRAP_SCRIPT',
      hint: 'unset it; mmdebstrap needs no suite script',
    });
  }
  if (a.kernel && a.kernelReleases && !a.kernelReleases.includes(release.codename)) {
    throw new KilnError(`${title(data.name)} ${release.codename} has no ${a.name} kernel (${a.kernel})`, {
      where: 'DIB_RELEASE',
      hint: `${a.name} images need DIB_RELEASE=${a.kernelReleases.at(-1)} (or ${a.kernelReleases.slice(0, -1).join(', ') || 'older'})`,
    });
  }
  const extra = translateExtraArgs(s.debootstrapExtraArgs ?? '');
  const components = s.components?.length ? s.components : data.defaultComponents;
  const packages = new Set([...data.packages, ...(a.kernel ? [a.kernel] : []), ...(data.releasePackages.get(release.codename) ?? []), ...extra.include]);
  const mirror = s.mirror || null;
  if (!mirror && data.mirrorRequired) {
    throw new KilnError(`${data.name} needs a package mirror: DIB_DISTRIBUTION_MIRROR is not set`, {
      where: 'DIB_DISTRIBUTION_MIRROR',
      hint: `set it to the URI of a ${data.name} archive (see docs/distros/${data.name}.md); Kiln names no mirror host of its own`,
    });
  }
  return {
    distro: data.name,
    release,
    arch: a.name,
    mirror,
    securityMirror: s.securityMirror || (data.securityOnMirror ? mirror : null),
    components,
    variant: data.variant,
    packages: [...packages].sort(),
    keyring: s.keyring || data.keyring,
    extraArgs: extra.args,
    sourceDateEpoch: s.sourceDateEpoch ?? null,
  };
}

export function planMmdebstrap(req: MmdebstrapRequest): string[] {
  const p = req.plan;
  const argv = [
    'mmdebstrap',
    `--mode=${req.mode}`,
    `--variant=${p.variant}`,
    `--arch=${p.arch}`,
    `--components=${p.components.join(',')}`,
    // mmdebstrap rejects an empty --include= (usage error)
    ...(p.packages.length ? [`--include=${p.packages.join(',')}`] : []),
    '--aptopt=Acquire::Languages "none"',
    // keep the package lists, as DIB's tree has them from root.d on: pre-install.d hooks may
    // install before dpkg's 99-apt-get-update refreshes them (debootstrap's cleanup.d removes them)
    '--skip=cleanup/apt/lists',
    // Without this the initramfs is built twice during the bootstrap (kernel
    // postinst + initramfs-tools trigger), ~40 s; it is built once, in finalise.d.
    `--essential-hook=chroot "$1" dpkg-divert --quiet --local --rename --divert ${INITRAMFS_DIVERT} --add /usr/sbin/update-initramfs`,
    '--essential-hook=printf \'#!/bin/sh\\n# Kiln: the initramfs is built once, in finalise.d\\nexit 0\\n\' > "$1/usr/sbin/update-initramfs" && chmod 755 "$1/usr/sbin/update-initramfs"',
  ];
  if (p.keyring) argv.push(`--keyring=${p.keyring}`);
  argv.push(...p.extraArgs, p.release.suite, req.output, ...planMirrors(p));
  return argv;
}

/**
 * mmdebstrap's MIRROR arguments. None by default: mmdebstrap then uses its own default mirror and
 * adds -updates and -security for stable releases. A URI mirror gets the main suite only, so the
 * updates suite (and security, from DIB_DEBIAN_SECURITY_MIRROR) are added as one-line entries.
 */
export function planMirrors(p: DebianBootstrapPlan): string[] {
  if (!p.mirror) return [];
  if (!p.mirror.includes('://')) return [p.mirror];
  const comps = p.components.join(' ');
  const lines = [`deb ${p.mirror} ${p.release.suite} ${comps}`];
  if (p.release.updatesSuite) lines.push(`deb ${p.mirror} ${p.release.updatesSuite} ${comps}`);
  if (p.securityMirror && p.release.securitySuite) lines.push(`deb ${p.securityMirror} ${p.release.securitySuite} ${comps}`);
  return lines;
}

function translateExtraArgs(text: string): { args: string[]; include: string[] } {
  const args: string[] = [];
  const include: string[] = [];
  for (const word of text.split(/\s+/).filter(Boolean)) {
    const [opt, value] = splitOpt(word);
    if (opt === '--include' && value !== undefined) include.push(...value.split(',').filter(Boolean));
    else if (opt === '--no-check-gpg') args.push('--aptopt=Acquire::AllowInsecureRepositories "true"', '--aptopt=APT::Get::AllowUnauthenticated "true"');
    else if (PASS_THROUGH.includes(opt) && value !== undefined) args.push(word);
    else {
      throw new KilnError(`DIB_DEBOOTSTRAP_EXTRA_ARGS: '${word}' has no mmdebstrap equivalent`, {
        where: 'DIB_DEBOOTSTRAP_EXTRA_ARGS',
        hint: `supported: ${[...PASS_THROUGH.map((o) => `${o}=...`), '--no-check-gpg'].join(', ')}`,
      });
    }
  }
  return { args, include };
}

function splitOpt(word: string): [string, string | undefined] {
  const i = word.indexOf('=');
  return i < 0 ? [word, undefined] : [word.slice(0, i), word.slice(i + 1)];
}
