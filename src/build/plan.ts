/**
 * planBuild: everything decided before the first byte is written — the element set, the hook
 * plan, the bootstrap driver and the outputs. Pure over the element directories; `kiln plan` prints it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { BuildConfig } from '../config/build-config.js';
import { readSettings } from '../config/read-settings.js';
import { type BootstrapDescription, distroDriver } from '../distros/index.js';
import { KilnError } from '../errors.js';
import { Runner } from '../exec/runner.js';
import { silentLogger } from '../log.js';
import { currentIdentity } from '../sandbox/identity.js';
import type { Element } from '../elements/element.js';
import { type ElementSubstitution, substituteDibBootloader } from '../elements/dib-bootloader.js';
import { expandRequestedElements } from '../elements/expand.js';
import { checkRepoRequirements, type ElementSource, elementSources, readElementRepos } from '../elements/repos.js';
import { kilnVersion } from '../version.js';
import { parsePackageInstalls } from '../elements/package-installs.js';
import { resolveElementSet } from '../elements/resolve.js';
import { scanElements } from '../elements/scan.js';
import { planHooks, type HookPlan } from '../phases/plan.js';
import { type BlockDeviceFrame, frameBlockDevice, sizeBlockDevice } from '../block-device/index.js';
import { planOutputs } from '../outputs/index.js';
import { hookViewSettings } from './environment-d.js';
import { initialEpoch } from './epoch.js';
import { frameOptions, layoutSource, sizeOptions } from './layout-options.js';

export interface BuildPlan {
  requested: string[];
  elements: Element[];
  hooks: HookPlan;
  /** the distro driver an OS element selected with its `kiln-bootstrap` file */
  bootstrap?: { driver: string; element: string; settings: Record<string, unknown>; plan?: BootstrapDescription | { error: string } };
  overrides: { name: string; winner: string; loser: string }[];
  /** which element repository (and version) each element came from */
  sources: ElementSource[];
  /** elements of DIB's that Kiln runs its own in place of (DIB's bootloader: no block device) */
  substitutions: ElementSubstitution[];
  /**
   * the block-device layout's frame from the build's environment, checked before the build starts
   * (absent when no disk is made); the build frames it again from the hooks' view (environment.d)
   */
  layout?: BlockDeviceFrame;
}

/** Kiln's own elements: createBuildConfig appends them last to ELEMENTS_PATH. */
export function builtinElements(config: BuildConfig): string {
  return config.elementsPath[config.elementsPath.length - 1] ?? '';
}

/** A disk image is made when a disk format is asked for (or a boot test). */
export function needsDisk(config: BuildConfig): boolean {
  return config.bootTest || planOutputs(config.imageTypes).some((f) => f.needs === 'disk');
}

/**
 * Frame the layout before anything runs, so a bad config fails in seconds, not after the bootstrap.
 * Its sizes depend on the final tree, unless the image size is fixed already (the local_loop's size
 * or --image-size): then a layout that cannot fit fails now too.
 */
function frameEarly(config: BuildConfig, elements: Element[]): BlockDeviceFrame {
  const s = hookViewSettings(config, config.env);
  const frame = frameBlockDevice(layoutSource(config, s, elements), frameOptions(config, s, initialEpoch(config.sourceDateEpoch, elements).epoch));
  if (s.imageSize !== undefined || frame.image.configBytes !== undefined) sizeBlockDevice(frame, sizeOptions(s));
  return frame;
}

/** Parse every package-installs file up front, so a malformed one fails before the build starts. */
export function checkPackageInstalls(elements: Element[]): void {
  for (const el of elements) {
    for (const ext of ['json', 'yaml']) {
      const file = join(el.path, `package-installs.${ext}`);
      if (existsSync(file)) parsePackageInstalls(readFileSync(file, 'utf8'), file, el.name);
    }
  }
}

export function planBuild(config: BuildConfig): BuildPlan {
  const index = scanElements(config.elementsPath);
  // versioned element repositories: an incompatible requirement stops the build before any work
  const repos = readElementRepos(config.elementsPath);
  checkRepoRequirements(repos, kilnVersion());
  const requested = expandRequestedElements(config.elements, { skipBase: config.skipBase, arch: config.arch });
  const { elements, substitutions } = substituteDibBootloader(resolveElementSet(index, requested).elements, builtinElements(config));
  const hooks = planHooks(elements, { defaultInstallType: config.installType, env: config.env });
  checkPackageInstalls(elements);
  const plan: BuildPlan = {
    requested,
    elements,
    hooks,
    overrides: index.overrides,
    substitutions,
    sources: elementSources(elements, repos, { path: builtinElements(config), version: kilnVersion() }),
  };
  if (needsDisk(config)) plan.layout = frameEarly(config, elements);
  const bootstrap = findBootstrap(elements);
  if (bootstrap) plan.bootstrap = { ...bootstrap, plan: describeBootstrap(config, bootstrap, elements) };
  return plan;
}

/**
 * What the driver would bootstrap with the build's environment (before environment.d, which may
 * still set DIB_RELEASE or a mirror): its tool, release and package set, or why it cannot yet.
 */
function describeBootstrap(
  config: BuildConfig,
  bootstrap: { driver: string; settings: Record<string, unknown> },
  elements: Element[],
): BootstrapDescription | { error: string } {
  const d = distroDriver(bootstrap.driver);
  try {
    return d.describe({
      arch: config.arch,
      settings: readSettings(config.env, config.flags, 'bootstrap'),
      cacheDir: config.cacheDir,
      useCache: config.useCache,
      offline: config.offline,
      target: '',
      runner: new Runner(),
      log: silentLogger,
      identity: currentIdentity(),
      elements,
      options: bootstrap.settings,
    });
  } catch (e) {
    if (e instanceof KilnError) return { error: e.message };
    throw e;
  }
}

function findBootstrap(elements: Element[]): BuildPlan['bootstrap'] {
  const found: NonNullable<BuildPlan['bootstrap']>[] = [];
  for (const el of elements) {
    const f = join(el.path, 'kiln-bootstrap');
    if (!existsSync(f)) continue;
    let doc: unknown;
    try {
      doc = parseYaml(readFileSync(f, 'utf8'));
    } catch (e) {
      throw new KilnError(`cannot parse: ${(e as Error).message}`, { where: f, hint: 'kiln-bootstrap is YAML, e.g. "driver: debian"' });
    }
    const d = doc as { driver?: unknown } | null;
    if (!d || typeof d.driver !== 'string') {
      throw new KilnError("missing 'driver'", { where: f, hint: 'kiln-bootstrap is YAML, e.g. "driver: debian"' });
    }
    found.push({ driver: d.driver, element: el.name, settings: d as Record<string, unknown> });
  }
  if (found.length > 1) {
    throw new KilnError(`more than one element bootstraps the tree: ${found.map((f) => f.element).join(', ')}`, {
      hint: 'use one operating-system element',
    });
  }
  return found[0];
}

/** The plan as plain JSON for `kiln plan` (and golden tests). */
export function formatBuildPlan(plan: BuildPlan, hookJson: Record<string, string[]>): unknown {
  return {
    requested: plan.requested,
    elements: plan.elements.map((e) => ({ name: e.name, path: e.path, deps: e.deps, provides: e.provides })),
    bootstrap: plan.bootstrap ?? null,
    ...(plan.substitutions.length > 0 ? { substitutions: plan.substitutions } : {}),
    sources: plan.sources,
    hooks: hookJson,
  };
}
