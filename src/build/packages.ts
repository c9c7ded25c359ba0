/**
 * package-installs and pkg-map, host side (DIB's extra-data.d/99-squash-package-install and the
 * pkg-map copy): squash every element's package-installs into /tmp/package-installs.json of the
 * tree and pre-resolve every pkg-map for the build's distro and release. The in-tree hooks of the
 * package-installs element read them. Also -p: install-packages in the tree.
 */
import { squashPackageInstalls, writePkgMapFiles, writeSquashedJson } from '../elements/package-installs.js';
import { runInTree, TARGET_PATH } from '../sandbox/sandbox.js';
import type { Build } from './build.js';
import { hooksView, hookViewSettings } from './environment-d.js';

/** After extra-data.d: the squashed package-installs and the resolved pkg-map files, in the tree. */
export async function squashPackages(b: Build): Promise<void> {
  const sourced = await hooksView(b);
  const elements = b.plan.elements;
  const model = squashPackageInstalls(elements, {
    env: sourced,
    arch: b.config.arch,
    defaultInstallType: b.config.installType,
    elementsPath: b.config.elementsPath,
  });
  writeSquashedJson(b.ws.tree, model);
  const { distroName: distro, release } = hookViewSettings(b.config, sourced);
  if (distro) writePkgMapFiles(elements, { distro, ...(release ? { release } : {}) }, b.ws.tree);
  else b.log.debug('DISTRO_NAME is not set: pkg-map files not written');
}

/** -p: the packages asked for on the command line, with the tree's install-packages, after install.d. */
export async function installPackages(b: Build): Promise<void> {
  await runInTree(b, b.ws.tree, b.ws.hooks, ['install-packages', ...b.config.packages], {
    env: { ...b.env, PATH: TARGET_PATH, HOME: '/root' },
    extendEnv: false,
    stream: true,
    context: '-p packages',
  });
}
