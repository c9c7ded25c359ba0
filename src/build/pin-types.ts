/** The shapes of NAME.d/pin.json (schemas/pin.json) and of what a build notes for it; no logic. */
import type { InstalledPackage, PackageManager, PackageSource } from '../distros/installed-packages.js';
import type { ToolVersion } from './tool-versions.js';
import type { EpochRecord } from './epoch.js';

export const PIN_VERSION = 1;

export interface PinRecord {
  pinVersion: typeof PIN_VERSION;
  kilnVersion: string;
  imageName: string;
  arch: string;
  elements: string[];
  epoch: EpochRecord;
  bootstrap: { driver: string; [k: string]: unknown } | null;
  packageManager: PackageManager | null;
  sources: PackageSource[];
  packages: InstalledPackage[];
  tools: ToolVersion[];
}

/** The sources of the packages installed so far (after post-install.d: the lists are still in the tree). */
export interface CapturedSources {
  sources: PackageSource[];
  /** "name\tversion" -> index into sources */
  of: Map<string, number>;
}
