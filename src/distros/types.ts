/**
 * The distro driver contract: an OS element names a driver in its `kiln-bootstrap`
 * file (`driver: debian`); the pipeline calls driver.bootstrap() to fill the empty tree before
 * root.d, and driver.tools() during preflight.
 */
import type { SettingValues } from '../config/read-settings.js';
import type { Runner } from '../exec/runner.js';
import type { Logger } from '../log.js';
import type { Identity } from '../sandbox/identity.js';

export interface BootstrapRequest {
  /** target architecture (DIB's ARCH: amd64, x86_64, arm64, ...) */
  arch: string;
  /** the bootstrap's settings (DIB_RELEASE, DIB_DISTRIBUTION_MIRROR, ...), read from the build's environment */
  settings: BootstrapSettings;
  /** Kiln's cache root ($XDG_CACHE_HOME/kiln, DIB_IMAGE_CACHE or --image-cache) */
  cacheDir: string;
  /** false with --no-cache: neither reuse nor store a bootstrap */
  useCache: boolean;
  /** DIB_OFFLINE: use a cached bootstrap even when stale; never download */
  offline: boolean;
  /** empty directory to fill with the root tree */
  target: string;
  /** where the driver may keep temporary files (the build's workspace); default: beside target */
  tmpDir?: string;
  runner: Runner;
  log: Logger;
  identity: Identity;
  /** the build's elements, in order (the container driver looks for containerfiles/DIB_RELEASE in them) */
  elements?: readonly { name: string; path: string }[];
  /** the OS element's kiln-bootstrap file (driver: and the driver's own keys) */
  options?: Readonly<Record<string, unknown>>;
  /**
   * In a build: the bootstrap's settings read from the environment after environment.d (where an
   * element may set DIB_RELEASE or DIB_CONTAINERFILE_DOCKERFILE, as DIB's root.d sees them)
   */
  settingsAfterEnvironmentD?: () => Promise<BootstrapSettings>;
  /** told which cache entry the tree came from (used or just stored): a layer records it as its parent */
  onCacheEntry?: (entry: import('../cache/store.js').CacheEntry) => void;
}

export type BootstrapSettings = SettingValues<'bootstrap'>;

export interface ToolNeed {
  tool: string;
  why: string;
}

/** What `kiln plan` shows of a bootstrap: the driver, its tool and the package set it installs. */
export interface BootstrapDescription {
  driver: string;
  family: DistroFamily;
  tool: string;
  release: string;
  arch: string;
  packages: string[];
  [more: string]: unknown;
}

export type DistroFamily = 'apt' | 'rpm';

export interface DistroDriver {
  name: string;
  family: DistroFamily;
  tools(req: BootstrapRequest): ToolNeed[];
  /** the architectures (canonical names) this distro's data has */
  architectures(req: Pick<BootstrapRequest, 'settings'>): string[];
  /** pure: the plan the settings give (throws the KilnError bootstrap() would for bad settings) */
  describe(req: BootstrapRequest): BootstrapDescription;
  bootstrap(req: BootstrapRequest): Promise<void>;
}
