/**
 * package-installs and pkg-map, host side (DIB's extra-data.d/99-squash-package-install and the
 * pkg-map copy): squash every element's package-installs into /tmp/package-installs.json of the
 * tree and pre-resolve every pkg-map for the build's distro and release. The in-tree hooks of the
 * package-installs element read them.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BuildContext } from '../context.js';
import { parsePackageInstalls, squashPackageInstalls, writePkgMapFiles, writeSquashedJson } from '../elements/package-installs.js';
import type { Element } from '../elements/element.js';
import type { HookPlan } from '../phases/plan.js';
import { hookViewSettings, sourcedEnvironment } from './environment-d.js';

/** Parse every package-installs file up front, so a malformed one fails before the build starts. */
export function checkPackageInstalls(elements: Element[]): void {
  for (const el of elements) {
    for (const ext of ['json', 'yaml']) {
      const file = join(el.path, `package-installs.${ext}`);
      if (existsSync(file)) parsePackageInstalls(readFileSync(file, 'utf8'), file, el.name);
    }
  }
}

export async function preparePackages(ctx: BuildContext, elements: Element[], hooks: HookPlan, env: Record<string, string>): Promise<void> {
  const sourced = await sourcedEnvironment(ctx, hooks, env);
  const model = squashPackageInstalls(elements, {
    env: sourced,
    arch: ctx.config.arch,
    defaultInstallType: ctx.config.installType,
    elementsPath: ctx.config.elementsPath,
  });
  writeSquashedJson(ctx.ws.tree, model);
  const { distroName: distro, release } = hookViewSettings(ctx.config, sourced);
  if (distro) writePkgMapFiles(elements, { distro, ...(release ? { release } : {}) }, ctx.ws.tree);
  else ctx.log.debug('DISTRO_NAME is not set: pkg-map files not written');
}
