/** Distro drivers by name (the `driver:` of an OS element's kiln-bootstrap file). */
import { KilnError } from '../errors.js';
import { containerDriver } from './container.js';
import { debianDriver, ubuntuDriver } from './debian.js';
import { almalinuxDriver, centosDriver, fedoraDriver, rhelDriver, rockyDriver } from './dnf.js';
import type { DistroDriver } from './types.js';
import { opensuseDriver } from './zypper.js';

const DRIVERS: Record<string, DistroDriver> = {
  container: containerDriver,
  debian: debianDriver,
  ubuntu: ubuntuDriver,
  centos: centosDriver,
  fedora: fedoraDriver,
  rocky: rockyDriver,
  almalinux: almalinuxDriver,
  rhel: rhelDriver,
  opensuse: opensuseDriver,
};

export function distroDriver(name: string): DistroDriver {
  const d = DRIVERS[name];
  if (!d) {
    throw new KilnError(`unknown distro driver '${name}'`, { hint: `known drivers: ${distroDriverNames().join(', ')}` });
  }
  return d;
}

export function distroDriverNames(): string[] {
  return Object.keys(DRIVERS).sort();
}

export type { BootstrapDescription, BootstrapRequest, DistroDriver, ToolNeed } from './types.js';
export { DIB_DISTRO_ELEMENTS, KILN_DISTRO_ELEMENTS, unsupportedDistroElement } from './catalog.js';
