/**
 * The packages DIB's elements ask for in a `debian-minimal vm` build, read from the DIB oracle's
 * own element files: its resolver expands the elements, its package-installs-squash and pkg-map
 * evaluate every package-installs.yaml, and the hook scripts that call apt or install-packages
 * directly are read for their package names (each one must still have the shape read here, or
 * the read fails). The order is DIB's: root.d (apt with Recommends, before dpkg's pre-install.d
 * turns them off), then pre-install.d, install.d, finalise.d (without Recommends).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DIB_PY, dibEnv, dibPython, PYTHON } from './dib-oracle.js';
import type { AptStep } from './apt-sim.js';
import { spawnSync } from 'node:child_process';

const ELEMENTS = join(DIB_PY, 'elements');

export interface DibRequest extends AptStep {
  /** where DIB asks for them: element/phase-dir/script or element/package-installs.yaml */
  from: string;
}

/** DIB's resolver: the elements `names` expand to (with `base`, which disk-image-create adds). */
export function dibExpand(names: string[]): string[] {
  const r = dibPython(['-m', 'diskimage_builder.element_dependencies', 'base', ...names], { env: { ...process.env, ELEMENTS_PATH: ELEMENTS } });
  if (r.status !== 0) throw new Error(`DIB's element_dependencies failed: ${r.stderr}`);
  return r.stdout.trim().split(/\s+/);
}

/** DIB's pkg-map for one element (names without a map are kept, as install-packages -m does). */
function dibPkgMap(element: string, names: string[], env: Record<string, string>): string[] {
  const map = join(ELEMENTS, element, 'pkg-map');
  if (!existsSync(map)) return names;
  const r = dibPython([join(ELEMENTS, 'pkg-map/bin/pkg-map'), '--pkg-map', map, '--missing-ok', ...names], { env: { ...process.env, ...env } });
  if (r.status !== 0) throw new Error(`DIB's pkg-map for ${element} failed: ${r.stderr}`);
  return r.stdout.split(/\s+/).filter(Boolean);
}

/** Scripts of DIB's that install packages themselves, with what a BIOS amd64 Debian build runs. */
const SCRIPTS: { script: string; phase: 'root.d' | 'other'; read: (text: string) => string[] | undefined; map?: string }[] = [
  {
    script: 'debian-minimal/root.d/75-debian-minimal-baseinstall',
    phase: 'root.d',
    read: (t) =>
      /\$apt_get install -y \$to_install/.test(t) ? [...t.matchAll(/^to_install\+="([^"$]*)"$/gm)].flatMap((m) => (m[1] ?? '').split(/\s+/)) : undefined,
  },
  { script: 'base/pre-install.d/03-baseline-tools', phase: 'other', read: (t) => /^\s+install-packages ([a-z0-9 .+-]+)$/m.exec(t)?.[1]?.split(/\s+/) },
  {
    script: 'base/install.d/00-baseline-environment',
    phase: 'other',
    read: (t) => /^install-packages -m base (iscsi_package)$/m.exec(t)?.slice(1),
    map: 'base',
  },
  // the BIOS branch (DIB_BLOCK_DEVICE=mbr on x86)
  {
    script: 'bootloader/finalise.d/50-bootloader',
    phase: 'other',
    read: (t) => /^\s+install-packages -m bootloader (grub-pc)$/m.exec(t)?.slice(1),
    map: 'bootloader',
  },
];

/** What DIB asks apt for, in order, for `base debian-minimal vm block-device-mbr` on amd64. */
export function dibDebianMinimalVmRequests(release: string): DibRequest[] {
  const env = { ARCH: 'amd64', DIB_RELEASE: release, DISTRO_NAME: 'debian', DIB_INIT_SYSTEM: 'systemd', DIB_BLOCK_DEVICE: 'mbr' };
  const elements = dibExpand(['debian-minimal', 'vm', 'block-device-mbr']);
  const requests: DibRequest[] = [];
  for (const s of SCRIPTS) {
    if (!elements.includes(s.script.split('/')[0] ?? '')) continue;
    const names = s.read(readFileSync(join(ELEMENTS, s.script), 'utf8'));
    if (!names?.length) throw new Error(`DIB's ${s.script} no longer has the shape read here`);
    const pkgs = s.map ? dibPkgMap(s.map, names, env) : names;
    if (s.phase === 'root.d') requests.unshift({ from: s.script, packages: pkgs, recommends: true });
    else requests.push({ from: s.script, packages: pkgs, recommends: false });
  }
  // package-installs.yaml of every element, squashed by DIB's own code, each mapped by its element
  const tmp = mkdtempSync(join(tmpdir(), 'kiln-dib-squash-'));
  try {
    const out = join(tmp, 'squashed.json');
    const r = spawnSync(
      PYTHON,
      [join(ELEMENTS, 'package-installs/bin/package-installs-squash'), `--elements=${elements.join(' ')}`, `--path=${ELEMENTS}`, out],
      {
        encoding: 'utf8',
        env: dibEnv({ ...process.env, ...env }),
      },
    );
    if (r.status !== 0) throw new Error(`DIB's package-installs-squash failed: ${r.stderr}`);
    const squashed = JSON.parse(readFileSync(out, 'utf8')) as Record<string, { install?: [string, string][] }>;
    for (const phase of ['pre-install.d', 'install.d', 'post-install.d']) {
      for (const [pkg, element] of squashed[phase]?.install ?? []) {
        const pkgs = dibPkgMap(element, [pkg], env);
        if (pkgs.length) requests.push({ from: `${element}/package-installs.yaml`, packages: pkgs, recommends: false });
      }
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return requests;
}
