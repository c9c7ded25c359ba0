/**
 * What DIB does to the tree around the hook phases (create_base / finalise_base, dib-compat 1.2):
 * check that root.d produced a tree, give it the host's resolv.conf for the in-target phases, and
 * at the end restore resolv.conf, empty /tmp, truncate /var/log files and remove /root/*.log.
 * Every access goes through src/tree: symlinks in the tree are resolved inside it, never on the host.
 */
import { HOST_APT_CONF, hostAptConfig } from '../distros/host-apt.js';
import { KilnError } from '../errors.js';
import { Tree } from '../tree/fs.js';
import { emptyDirectory, truncateFiles, type TreeRootContext } from '../tree/root-ops.js';
import { installHostResolvConf, restoreResolvConf } from '../tree/resolv-conf.js';
import { readInstalledPackages, readOsRelease } from '../report/index.js';
import type { Build } from './build.js';
import { normaliseBuildState } from './build-state.js';

export { installHostResolvConf, restoreResolvConf };

/** After root.d: the tree exists; the host's resolv.conf and apt settings are lent to it. */
export async function prepareTree(b: Build): Promise<void> {
  const tree = new Tree(b.ws.tree);
  checkTreeDeployed(tree);
  installHostResolvConf(tree);
  installHostAptConf(tree, await hostAptConfig(b.runner));
}

/**
 * After cleanup.d: what was lent is taken back, /tmp emptied, logs truncated (finaliseBase); then
 * the files that record the build's run are normalised (build-state.ts).
 */
export async function finaliseTree(b: Build): Promise<void> {
  const tree = new Tree(b.ws.tree);
  await finaliseBase(b, tree);
  await normaliseBuildState(b, tree, b.epoch);
  // the final tree's packages, for the build report and the SBOM; a database Kiln cannot read
  // (its mode) costs the report its package list, not the build
  try {
    b.facts.packages = await readInstalledPackages(b, tree);
    b.facts.os = readOsRelease(tree);
  } catch (e) {
    b.log.warn(`the build report has no package list: ${(e as Error).message}`);
  }
}

export function checkTreeDeployed(tree: Tree): void {
  const entries = tree.readdir('/').filter((e) => e !== 'lost+found' && e !== 'tmp');
  if (entries.length === 0) {
    throw new KilnError('Failed to deploy the root element: root.d left the tree empty', {
      hint: 'include an operating-system element that creates the root tree (e.g. debian-minimal, busybox-minimal)',
    });
  }
}

/** The host's apt acquire settings, for the hooks' apt during the build (src/distros/host-apt.ts). */
export function installHostAptConf(tree: Tree, lines: string[]): void {
  if (lines.length === 0 || !tree.isDirectory('/etc/apt/apt.conf.d')) return;
  // a fresh file, not through a symlink someone left there: finaliseBase removes exactly this entry
  tree.remove(HOST_APT_CONF);
  tree.writeFile(HOST_APT_CONF, `// Kiln: the build host's apt settings, removed when the build ends\n${lines.join('\n')}\n`);
}

export async function finaliseBase(ctx: TreeRootContext, tree: Tree): Promise<void> {
  tree.remove(HOST_APT_CONF);
  restoreResolvConf(tree);
  await emptyDirectory(ctx, tree, '/tmp');
  await truncateFiles(ctx, tree, '/var/log');
  if (!tree.isDirectory('/root')) return;
  for (const e of tree.readdir('/root')) {
    if (e.endsWith('.log') && !tree.lstat(`/root/${e}`)?.isDirectory()) tree.remove(`/root/${e}`);
  }
}
