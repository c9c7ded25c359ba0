/** Distro drivers by name (the `driver:` of an OS element's kiln-bootstrap file). */
import { KilnError } from '../errors.js';
import { debianDriver } from './debian.js';
import type { DistroDriver } from './types.js';

const DRIVERS: Record<string, DistroDriver> = { debian: debianDriver };

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

export type { BootstrapRequest, DistroDriver, ToolNeed } from './types.js';
