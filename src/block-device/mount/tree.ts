/**
 * The root tree on the host side of the executor: measure it, write its fstab, and split it by mount
 * point for the filesystems. The split MOVES each mounted subtree aside (rename within the same
 * filesystem: no copy) into a staging directory next to the tree, leaving an empty directory with
 * the same owner, mode and mtime as the mount point in the parent; restore() moves them back.
 * Moving and measuring run as root of the tree (asTreeRoot), so they work unprivileged.
 * The tree is untrusted (src/tree): fstab is written through src/tree, and the mount points are
 * checked in Node to have no symlink in any component before the shell sees them, so `mv` and
 * `mkdir` only ever work inside the tree.
 */
import { mkdtempSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { KilnError } from '../../errors.js';
import type { Logger } from '../../log.js';
import type { Runner } from '../../exec/runner.js';
import { asTreeRoot, type Identity } from '../../sandbox/identity.js';
import { formatFstab } from './plan.js';
import type { BlockDevicePlan } from '../common/plan-types.js';
import { Tree } from '../../tree/fs.js';
import { resolveNoSymlinks } from '../../tree/path.js';
import { removeTree } from '../../sandbox/sandbox.js';

export interface TreeContext {
  runner: Runner;
  identity: Identity;
  log: Logger;
}

async function asRoot(ctx: TreeContext, script: string, args: string[], input?: string): Promise<string> {
  const argv = [...asTreeRoot(ctx.identity), 'sh', '-euc', script, 'kiln-tree', ...args];
  const r = await ctx.runner.run(argv[0]!, argv.slice(1), input === undefined ? {} : { input });
  return r.stdout;
}

/** Allocated size of the tree in KiB, as DIB measures it (du -x, one filesystem; du never follows symlinks). */
export async function measureTree(ctx: TreeContext, treeDir: string): Promise<number> {
  const out = await asRoot(ctx, 'du -s -x -k "$1"', [treeDir]);
  const kib = Number(out.trim().split(/\s+/)[0]);
  if (!Number.isFinite(kib)) throw new KilnError(`cannot measure ${treeDir}: du printed '${out.trim()}'`);
  return kib;
}

/**
 * DIB cmd_writefstab: the tree's /etc/fstab (its content replaced), lines in mount order. A symlink
 * there is followed inside the tree, as `cat > /etc/fstab` in the chrooted tree would.
 */
export async function writeFstab(_ctx: TreeContext, plan: Pick<BlockDevicePlan, 'fstab'>, treeDir: string): Promise<void> {
  const tree = new Tree(treeDir);
  tree.mkdirp('/etc');
  tree.writeFile('/etc/fstab', formatFstab(plan.fstab), 0o644);
}

// Moving a subtree changes its parent directory's mtime; each move keeps it (touch -r through a
// reference file in the staging directory), so the filesystems get the tree's own timestamps.
const MOVE_ASIDE = `T=$1; S=$2; shift 2
while [ $# -gt 0 ]; do mp=$1; fs=$2; shift 2
  if [ -L "$T$mp" ]; then echo "mount point $mp is a symlink in the tree" >&2; exit 3; fi # checked in Node too
  p=$(dirname "$T$mp")
  if [ -d "$T$mp" ]; then
    touch -r "$p" "$S/.$fs.parent"
    mv "$T$mp" "$S/$fs"; mkdir "$T$mp"
    chown --reference="$S/$fs" "$T$mp"; chmod --reference="$S/$fs" "$T$mp"; touch -r "$S/$fs" "$T$mp"
    touch -r "$S/.$fs.parent" "$p"
  else
    mkdir -p "$T$mp"; mkdir "$S/$fs"
  fi
done`;

const MOVE_BACK = `T=$1; S=$2; shift 2
while [ $# -gt 0 ]; do mp=$1; fs=$2; shift 2
  p=$(dirname "$T$mp")
  if [ -d "$S/$fs" ]; then
    touch -r "$p" "$S/.$fs.parent"
    rmdir "$T$mp"; mv "$S/$fs" "$T$mp"
    touch -r "$S/.$fs.parent" "$p"; rm -f "$S/.$fs.parent"
  fi
done
rmdir "$S"`;

export interface TreeSplit {
  /** source directory of each mounted filesystem, by mkfs name */
  sources: Map<string, string>;
  restore(): Promise<void>;
}

export async function splitTree(ctx: TreeContext, plan: BlockDevicePlan, treeDir: string): Promise<TreeSplit> {
  const sources = new Map<string, string>();
  const mounted = plan.mounts.filter((m) => m.mountPoint !== 'none');
  const root = mounted.find((m) => m.mountPoint === '/');
  if (root) sources.set(root.filesystem, treeDir);
  const others = mounted.filter((m) => m.mountPoint !== '/');
  if (others.length === 0) return { sources, restore: async () => {} };
  for (const m of others) resolveNoSymlinks(treeDir, m.mountPoint, `mount point of ${m.filesystem}`);
  const staging = mkdtempSync(join(dirname(treeDir), `.${basename(treeDir)}.kiln-split-`));
  const pairs = (list: typeof others): string[] => list.flatMap((m) => [m.mountPoint, m.filesystem]);
  // deepest first, so /var/log leaves /var before /var moves
  const deepestFirst = [...others].reverse();
  try {
    await asRoot(ctx, MOVE_ASIDE, [treeDir, staging, ...pairs(deepestFirst)]);
  } catch (err) {
    await asRoot(ctx, MOVE_BACK, [treeDir, staging, ...pairs(others)]).catch(() => undefined);
    await removeTree(ctx, staging); // holds the tree's files: as root of the tree, never through a mount
    throw err;
  }
  for (const m of others) sources.set(m.filesystem, join(staging, m.filesystem));
  ctx.log.debug(`split the tree at ${others.map((m) => m.mountPoint).join(' ')} (staging ${staging})`);
  let restored = false;
  return {
    sources,
    restore: async () => {
      if (restored) return;
      restored = true;
      await asRoot(ctx, MOVE_BACK, [treeDir, staging, ...pairs(others)]);
    },
  };
}
