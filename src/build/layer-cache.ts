/**
 * The layer cache (docs/user-guide.md "Caching"): the tree as the install phases leave it (after
 * post-install.d, layer-key.ts LAYER_CUT) is stored in Kiln's cache as a zstd tarball under the
 * hash of everything that can change it (layer-key.ts). A build whose key has a valid layer skips
 * the bootstrap and every phase up to the cut: one stage unpacks the layer instead. Otherwise the
 * build runs them and stores the layer after the cut.
 *
 * Valid: intact (the sha256 recorded when it was stored, cache/verify.ts), not older than
 * KILN_BOOTSTRAP_MAX_AGE_DAYS (like a bootstrap: the packages install.d installed age too; any
 * age offline), and the bootstrap it was built on still in the cache with the same content.
 *
 * A build that stores the layer goes on from it too (the tree is unpacked from it again), so a
 * build with the layer and the one that made it give the same bytes.
 *
 * Only the tree is stored. A hook before the cut that leaves something elsewhere in the workspace
 * (TMP_IMAGE_DIR, TMP_BUILD_DIR beside the tree, the merged hooks) or beside the image
 * (IMAGE_NAME.d) would lose it on a cached build: then no layer is stored, and the log says why.
 * The host's resolv.conf and apt settings lent to the tree (tree-prep.ts) are left out of the
 * layer and lent again, the host's of the build that uses it.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import {
  type CacheEntry,
  type CacheInputs,
  cacheKey,
  looksCorrupt,
  lookupBootstrap,
  lookupEntry,
  markUsed,
  removeEntry,
  sha256File,
  storeEntry,
  tempEntryPath,
  verifyBootstrap,
} from '../cache/index.js';
import { readSettings } from '../config/read-settings.js';
import { planUnpack } from '../distros/cached-bootstrap.js';
import { HOST_APT_CONF, hostAptConfig } from '../distros/host-apt.js';
import { KilnError } from '../errors.js';
import { CommandError } from '../exec/runner.js';
import { asTreeRoot } from '../sandbox/identity.js';
import { readMountInfo, mountsUnder } from '../sandbox/mountinfo.js';
import { Tree } from '../tree/fs.js';
import { hashTree, LAYER_CUT, layerInputs, uncacheableReason } from './layer-key.js';
import type { Build } from './build.js';
import { stage, type Step } from './step.js';
import { installHostAptConf, installHostResolvConf } from './tree-prep.js';

export interface LayerPlan {
  /** undefined: no layer is used or stored (`why`) */
  key?: string;
  inputs?: CacheInputs;
  /** a valid layer: the steps up to the cut are replaced by its unpack */
  hit?: CacheEntry;
  why?: string;
}

/** What the build's workspace holds outside the tree, to tell whether hooks before the cut wrote there. */
export interface WorkspaceMark {
  hooks: string;
  image: string[];
  build: string[];
  imageD: boolean;
}

/** The step ids a cached layer replaces: the bootstrap and every step up to the cut. */
export function stepsBeforeCut(steps: readonly Step[]): Step[] {
  const cut = steps.findIndex((s) => s.id === LAYER_CUT);
  if (cut < 0) return [];
  const first = steps.findIndex((s) => s.id === 'bootstrap' || s.id === 'root.d');
  return steps.slice(first, cut + 1);
}

/** Decide for a build: its key, and the valid layer for it if there is one. */
export async function planLayer(b: Build): Promise<LayerPlan> {
  const why = uncacheableReason({ config: b.config, elements: b.plan.elements, env: b.env, breaks: b.phases.breaks });
  if (why) return { why };
  const inputs = layerInputs({
    config: b.config,
    elements: b.plan.elements,
    env: b.env,
    identity: b.identity,
    hostApt: await hostAptConfig(b.runner),
  });
  const key = cacheKey(inputs);
  const entry = lookupEntry(b.config.cacheDir, 'layer', key);
  if (!entry) return { key, inputs };
  const stale = staleReason(b, entry);
  if (stale) {
    b.log.info(`layer cache: layer ${key.slice(0, 12)} is not used: ${stale}`);
    return { key, inputs };
  }
  const problem = await verifyBootstrap(b.config.cacheDir, entry);
  if (problem) {
    removeEntry(b.config.cacheDir, 'layer', key);
    b.log.warn(`layer cache: layer ${key.slice(0, 12)} (${entry.file}) is corrupt: ${problem}; removed it, the phases run`);
    return { key, inputs };
  }
  return { key, inputs, hit: entry };
}

function staleReason(b: Build, entry: CacheEntry): string | undefined {
  const maxAge = readSettings(b.env, b.config.flags, 'bootstrap').bootstrapMaxAgeDays;
  const ageDays = (Date.now() - Date.parse(entry.created)) / 86_400_000;
  if (!b.config.offline && ageDays > maxAge) return `it is ${ageDays.toFixed(1)} days old (> ${maxAge}, KILN_BOOTSTRAP_MAX_AGE_DAYS)`;
  if (entry.parent) {
    const parent = lookupBootstrap(b.config.cacheDir, entry.parent);
    if (!parent) return `the bootstrap it was built on (${entry.parent.slice(0, 12)}) is no longer cached`;
    if (parent.sha256 !== entry.inputs.parentSha256) return `the bootstrap it was built on (${entry.parent.slice(0, 12)}) was made again since`;
  }
  return undefined;
}

/** The stage that takes the place of the steps up to the cut: unpack the layer, lend the host's files again. */
export function restoreLayerStep(entry: CacheEntry, skipped: readonly Step[]): Step {
  return stage('layer', `restore the tree after ${LAYER_CUT} from the layer cache (${entry.key.slice(0, 12)})`, async (b) => {
    b.log.info(
      `layer cache: the tree after ${LAYER_CUT} from layer ${entry.key.slice(0, 12)} (built ${entry.created}, ${(entry.size / 1048576).toFixed(0)} MiB); skipped: ${skipped.map((s) => s.id).join(' ')}`,
    );
    await unpackLayer(b, entry);
    markUsed(b.config.cacheDir, entry);
  });
}

/** Fill the (empty) tree from a layer and lend it the host's resolv.conf and apt settings again. */
async function unpackLayer(b: Build, entry: CacheEntry): Promise<void> {
  // a layer holds only what this owner mode could make (its key has the mode): device nodes only
  // when mknod worked, an unprivileged tree's placeholders in /dev otherwise; all of it comes back
  const argv = [...asTreeRoot(b.identity), ...planUnpack(true, entry.file, b.ws.tree)];
  try {
    await b.runner.run(argv[0]!, argv.slice(1), { context: 'layer cache (unpack)' });
  } catch (e) {
    if (!(e instanceof CommandError) || !looksCorrupt(e.stderrTail)) throw e;
    removeEntry(b.config.cacheDir, 'layer', entry.key);
    throw new KilnError(`the cached layer ${entry.key.slice(0, 12)} (${entry.file}) is corrupt: unpacking it failed; the entry was removed`, {
      hint: 'run the build again: it runs every phase and stores the layer afresh',
      cause: e,
    });
  }
  const tree = new Tree(b.ws.tree);
  installHostResolvConf(tree);
  installHostAptConf(tree, await hostAptConfig(b.runner));
}

/** IMAGE_NAME.d: where DIB's elements put files beside the image (hook-env.ts IMAGE_NAME). */
function imageDir(b: Pick<Build, 'config'>): string {
  const c = b.config;
  return `${c.outDir === '/' ? '' : c.outDir}/${c.imageName}.d`;
}

/** What the workspace holds besides the tree now (before the first step). */
export function markWorkspace(b: Pick<Build, 'ws' | 'config'>): WorkspaceMark {
  const list = (d: string) => (existsSync(d) ? readdirSync(d).sort() : []);
  return {
    hooks: JSON.stringify(hashTree(b.ws.hooks, (n) => n === '.kiln-fakeroot')),
    image: list(b.ws.image),
    build: list(b.ws.build),
    imageD: existsSync(imageDir(b)),
  };
}

/** Why the workspace outside the tree differs from `before` (hooks wrote there), or undefined. */
export function workspaceChange(b: Pick<Build, 'ws' | 'config'>, before: WorkspaceMark): string | undefined {
  const now = markWorkspace(b);
  if (now.hooks !== before.hooks) return `a hook changed the merged hooks ($TMP_HOOKS_PATH)`;
  if (now.image.join('/') !== before.image.join('/')) return `a hook wrote to $TMP_IMAGE_DIR (${now.image.join(' ')})`;
  if (now.build.join('/') !== before.build.join('/')) return `a hook wrote to $TMP_BUILD_DIR (${now.build.join(' ')})`;
  if (now.imageD !== before.imageD) return `a hook made ${imageDir(b)}`;
  return undefined;
}

/** The stage after the cut that stores the tree as the layer `key` (unless a hook wrote outside the tree). */
export function storeLayerStep(plan: { key: string; inputs: CacheInputs }, mark: () => WorkspaceMark): Step {
  return stage('layer-store', `store the tree after ${LAYER_CUT} in the layer cache`, async (b) => {
    // a host hook's mount in the tree (DIB's dpkg binds the host's apt cache in root.d) stays until
    // post-root.d: the build goes on in this tree, and a build from a layer would lack the mount
    const mounted = mountsUnder(readMountInfo(), realpathSync(b.ws.tree)).map((m) => m.mountPoint);
    const changed = mounted.length > 0 ? `a host hook's mount is in the tree (${mounted.join(' ')})` : workspaceChange(b, mark());
    if (changed) {
      b.log.info(`layer cache: no layer stored: ${changed} before the end of ${LAYER_CUT}, which a cached build would not restore`);
      return;
    }
    const dir = b.config.cacheDir;
    if (lookupEntry(dir, 'layer', plan.key)) {
      b.log.info(`layer cache: layer ${plan.key.slice(0, 12)} was stored meanwhile by another build`);
      return;
    }
    const temp = tempEntryPath(dir, 'layer', plan.key);
    const t = Date.now();
    try {
      const argv = [...asTreeRoot(b.identity), ...planLayerPack(b, temp)];
      await b.runner.run(argv[0]!, argv.slice(1), { context: 'layer cache (pack)' });
      const parent = b.bootstrapEntry;
      const stored = storeEntry(
        dir,
        'layer',
        plan.key,
        temp,
        { ...plan.inputs, ...(parent?.sha256 ? { parentSha256: parent.sha256 } : {}) },
        {
          sha256: await sha256File(temp),
          ...(parent ? { parent: parent.key } : {}),
          builtBy: b.plan.elements.map((e) => e.name).join(' '),
        },
      );
      b.log.info(
        `layer cache: stored the tree after ${LAYER_CUT} as layer ${plan.key.slice(0, 12)} (${(stored.size / 1048576).toFixed(0)} MiB in ${((Date.now() - t) / 1000).toFixed(1)} s)`,
      );
      // The build goes on from the layer, as a build that finds it does: the same tree, down to the
      // order of directory entries (a tree that dpkg changed has gaps that later files fill, and
      // mke2fs -d copies entries in directory order), so the two write the same bytes. The packed
      // tree is moved aside into the workspace's tmp/, not removed: removing it right before the
      // unpack makes the unpack wait for the filesystem's discards (a `discard` mount: 15 s instead
      // of 1.5 s measured, bench/RESULTS.md); it goes when the workspace does
      renameSync(b.ws.tree, join(b.ws.tmp, 'layer-packed-tree'));
      mkdirSync(b.ws.tree, { mode: 0o755 });
      await unpackLayer(b, stored);
    } finally {
      rmSync(temp, { force: true });
    }
  });
}

/**
 * tar of the tree as root of the tree (owners, modes, capabilities kept), zstd on every core, one
 * filesystem (nothing a hook left mounted), without what Kiln lends the tree: the host's apt
 * settings, and the host's resolv.conf while it is the one in place (a hook's own is kept).
 */
export function planLayerPack(b: Pick<Build, 'ws'>, out: string): string[] {
  const tree = new Tree(b.ws.tree);
  const exclude = [`--exclude=./${HOST_APT_CONF}`];
  const lent = tree.lstat('/etc/resolv.conf');
  if (lent?.isFile() && existsSync('/etc/resolv.conf') && tree.readFile('/etc/resolv.conf').equals(readFileSync('/etc/resolv.conf'))) {
    exclude.push('--exclude=./etc/resolv.conf');
  }
  return [
    'tar',
    '--use-compress-program=zstd -T0 -3 -q',
    '-C',
    b.ws.tree,
    '--numeric-owner',
    '--xattrs',
    '--xattrs-include=security.capability',
    '--one-file-system',
    '--sparse',
    ...exclude,
    '-cf',
    out,
    '.',
  ];
}
