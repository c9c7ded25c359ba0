/**
 * SELinux labels for the image (DIB: rpm-distro's cleanup.d/99-selinux-fixfiles-restore), once the
 * tree is final and before the filesystems are made. Only when the tree has a policy
 * (src/tree/selinux-policy.ts), and not with KILN_SELINUX_RELABEL=0. The host's libselinux tools
 * read the tree's own file_contexts; the host needs no SELinux.
 *  - As root: `setfiles -r TREE` writes security.selinux into the tree, and mke2fs -d, mkfs.btrfs
 *    --rootdir, mksquashfs and tar copy the xattrs into what they make.
 *  - Unprivileged or in fakeroot mode (security.* xattrs need CAP_SYS_ADMIN in the initial user
 *    namespace), or when setfiles fails: the labels are computed (matchpathcon) and written into each
 *    ext filesystem after mkfs (block-device/mkfs/ext-labels.ts).
 * Where labels cannot get into something the build makes (XFS: its protofile has no xattrs; btrfs
 * and the tree outputs without labels in the tree), /.autorelabel is created so the image relabels
 * itself at its first boot, and a warning says why.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { KilnError } from '../errors.js';
import { findTool } from '../exec/tools.js';
import { outputFormat } from '../outputs/index.js';
import { Tree } from '../tree/fs.js';
import { copyFileContexts, findSelinuxPolicy } from '../tree/selinux-policy.js';
import { computeLabels, type SelinuxState } from '../tree/selinux-labels.js';
import type { Build } from './build.js';
import { hooksView, hookViewSettings } from './environment-d.js';
import { needsDisk } from './plan.js';

export const AUTORELABEL = '/.autorelabel';

/** What the build makes that keeps no labels: ['xfs filesystem /', 'tar output'...]. */
export function labelLosses(fs: { type: string; mountPoint?: string }[], outputs: string[], labelsInTree: boolean): string[] {
  const lost: string[] = [];
  for (const f of fs) {
    if (!f.mountPoint || f.mountPoint === 'none') continue;
    if (f.type === 'xfs' || (f.type === 'btrfs' && !labelsInTree)) lost.push(`${f.type} filesystem ${f.mountPoint}`);
  }
  if (!labelsInTree) for (const o of outputs) lost.push(`${o} output`);
  return lost;
}

/** The relabel step; undefined when the tree has no policy or labelling is off. */
export async function relabelTree(b: Build): Promise<SelinuxState | undefined> {
  const tree = new Tree(b.ws.tree);
  const policy = findSelinuxPolicy(tree);
  if (!policy) {
    b.log.debug('SELinux: the tree has no policy (/etc/selinux/config SELINUXTYPE and its file_contexts): no labels');
    return undefined;
  }
  if (!hookViewSettings(b.config, await hooksView(b)).selinuxRelabel) {
    b.log.info(`SELinux: KILN_SELINUX_RELABEL=0: the image's files are not labelled for policy ${policy.type}`);
    return undefined;
  }
  const dir = join(b.ws.tmp, 'selinux');
  mkdirSync(dir, { recursive: true });
  const fc = copyFileContexts(tree, policy, dir);
  const disk = needsDisk(b.config) ? b.frame.filesystems : [];
  const treeOutputs = b.config.imageTypes.filter((t) => outputFormat(t).needs === 'tree');
  const canWriteTree = b.identity.privileged && !b.identity.fakeroot;
  const autorelabel = (inTree: boolean): void => {
    const lost = labelLosses(disk, treeOutputs, inTree);
    if (lost.length === 0 || tree.exists(AUTORELABEL)) return;
    tree.writeFile(AUTORELABEL, '', 0o644);
    b.log.warn(`SELinux: labels cannot be written into the ${lost.join(', ')}: ${AUTORELABEL} makes the image relabel itself at its first boot`);
  };
  // before labelling, so that the file is labelled too
  autorelabel(canWriteTree);
  if (canWriteTree) {
    need(b, 'setfiles', 'policycoreutils');
    try {
      // -F: also reset customizable types, as DIB's setfiles -F
      await b.runner.run('setfiles', ['-F', '-r', b.ws.tree, fc, b.ws.tree], { context: `SELinux labels (setfiles, policy ${policy.type})` });
      b.log.info(`SELinux: the tree is labelled for policy ${policy.type} (setfiles); the filesystems copy the labels`);
      return { fileContexts: fc, inTree: true };
    } catch (e) {
      b.log.warn(`SELinux: setfiles could not label the tree (${(e as Error).message.split('\n')[0]}): the labels are written into the filesystems instead`);
      autorelabel(false);
    }
  }
  need(b, 'matchpathcon', 'selinux-utils');
  const { labels, unlabelled } = await computeLabels(b, b.ws.tree, fc);
  if (unlabelled.length > 0)
    b.log.warn(`SELinux: ${unlabelled.length} path(s) with a newline in the name are not labelled, e.g. ${JSON.stringify(unlabelled[0])}`);
  b.log.info(`SELinux: ${labels.size} path(s) labelled for policy ${policy.type} (matchpathcon); written into the ext filesystems after mkfs`);
  return { fileContexts: fc, inTree: false, labels };
}

/** Label what Kiln wrote into the tree after the relabel step (tree-absolute directories; absent ones are skipped). */
export async function relabelPaths(b: Build, state: SelinuxState, dirs: string[]): Promise<void> {
  const tree = new Tree(b.ws.tree);
  // resolved in the tree (a symlink on the way is followed inside it); the last component must be a real directory
  const present = dirs.map((d) => tree.resolve(d, false)).filter((p) => p.stat?.isDirectory());
  if (present.length === 0) return;
  if (state.inTree) {
    await b.runner.run('setfiles', ['-F', '-r', b.ws.tree, state.fileContexts, ...present.map((p) => p.host)], { context: 'SELinux labels (setfiles)' });
    return;
  }
  for (const p of present) {
    const { labels } = await computeLabels(b, p.host, state.fileContexts, p.resolved);
    for (const [path, c] of labels) state.labels!.set(path, c);
  }
}

function need(b: Build, tool: string, pkg: string): void {
  if (findTool(tool, b.config.hostPath)) return;
  throw new KilnError(`the image has an SELinux policy, and labelling it needs ${tool}, which is not installed`, {
    hint: `install ${pkg} on the build host, or set KILN_SELINUX_RELABEL=0 to build without labels`,
  });
}
