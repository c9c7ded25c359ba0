/**
 * The packages Kiln's elements ask for in a `debian-minimal vm` build, read from Kiln's own files:
 * the debian driver's bootstrap list (distros/debian.yaml, as the driver plans it), every
 * package-installs.yaml of the elements Kiln's resolver expands to (with Kiln's pkg-map), and the
 * hook scripts that call install-packages themselves. Kiln installs none of them with Recommends.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NO_FLAGS, readSettings } from '../../src/config/read-settings.js';
import { loadDebianData } from '../../src/distros/debian-data.js';
import { planDebianBootstrap } from '../../src/distros/debian-plan.js';
import { mapPackages, parsePkgMap, squashPackageInstalls } from '../../src/elements/package-installs.js';
import type { AptStep } from './apt-sim.js';
import { REPO, runCli } from './cli.js';

const ELEMENTS = join(REPO, 'elements');

export interface KilnRequest extends AptStep {
  from: string;
}

function kilnPkgMap(element: string, names: string[], release: string): string[] {
  const file = join(ELEMENTS, element, 'pkg-map');
  if (!existsSync(file)) return names;
  return mapPackages(parsePkgMap(readFileSync(file, 'utf8'), file, element), { distro: 'debian', release }, names, { missingOk: true, element });
}

/** Kiln's scripts that install packages, with what a BIOS amd64 Debian build runs. */
function scriptRequests(env: Record<string, string>, release: string): KilnRequest[] {
  const read = (script: string) => readFileSync(join(ELEMENTS, script), 'utf8');
  const out: KilnRequest[] = [];
  const bootloader = read('bootloader/install.d/50-bootloader-packages');
  const pc = /amd64\|x86_64\) pc=(\S+);/.exec(bootloader)?.[1];
  if (!pc || !/^install-packages -m bootloader \$packages$/m.test(bootloader)) {
    throw new Error('bootloader/install.d/50-bootloader-packages no longer has the shape read here');
  }
  // a generic name, mapped by the bootloader element's pkg-map (a value may hold several names)
  const grub = kilnPkgMap('bootloader', [pc], release).flatMap((v) => v.split(/\s+/));
  out.push({ from: 'bootloader/install.d/50-bootloader-packages', packages: grub, recommends: false });
  if (env.DIB_KILN_BASELINE_TOOLS === '1') {
    const tools = /^\s+ubuntu \| debian\) install-packages ([a-z0-9 .+-]+) ;;$/m.exec(read('base/pre-install.d/03-baseline-tools'))?.[1];
    const iscsi = /^install-packages -m base (iscsi_package)$/m.exec(read('base/install.d/00-baseline-environment'))?.[1];
    if (!tools || !iscsi) throw new Error("base's baseline scripts no longer have the shape read here");
    out.push({ from: 'base/pre-install.d/03-baseline-tools', packages: tools.split(' '), recommends: false });
    out.push({ from: 'base/install.d/00-baseline-environment', packages: kilnPkgMap('base', [iscsi], release), recommends: false });
  }
  return out;
}

/** What Kiln asks apt for in `debian-minimal vm` on amd64 (the bootstrap first). */
export function kilnDebianMinimalVmRequests(release: string, extraEnv: Record<string, string> = {}): KilnRequest[] {
  const env = { ARCH: 'amd64', DIB_RELEASE: release, DISTRO_NAME: 'debian', DIB_BLOCK_DEVICE: 'mbr', ...extraEnv };
  const plan = planDebianBootstrap(loadDebianData(), 'amd64', readSettings(env, NO_FLAGS, 'bootstrap'));
  const requests: KilnRequest[] = [{ from: 'distros/debian.yaml (the bootstrap)', packages: plan.packages, recommends: false }];
  const r = runCli('element-info', ['base', 'debian-minimal', 'vm', 'block-device-mbr'], { env: { ELEMENTS_PATH: '' } });
  if (r.status !== 0) throw new Error(`element-info failed: ${r.stderr}`);
  const elements = r.stdout.trim().split(/\s+/);
  const squashed = squashPackageInstalls(
    elements.map((name) => ({ name, path: join(ELEMENTS, name) })),
    { env, arch: 'amd64' },
  );
  for (const phase of ['pre-install.d', 'install.d', 'post-install.d']) {
    for (const { pkg, element } of squashed.phases.get(phase)?.get('install') ?? []) {
      const pkgs = kilnPkgMap(element, [pkg], release);
      if (pkgs.length) requests.push({ from: `${element}/package-installs.yaml`, packages: pkgs, recommends: false });
    }
  }
  return [...requests, ...scriptRequests(env, release)];
}
