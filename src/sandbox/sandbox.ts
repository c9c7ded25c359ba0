/**
 * Running commands for a build: inside the tree's sandbox (in-target phases) or on the host with
 * the tree's owners mapped (host phases, when unprivileged). Every command runs in its own pid
 * namespace (asTreeRoot, or the Runner's), so no process of a hook outlives it or Kiln.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KilnError } from '../errors.js';
import type { RunOptions, RunResult, Runner } from '../exec/runner.js';
import { Tree } from '../tree/fs.js';
import { asTreeRoot, type Identity } from './identity.js';
import { unmountUnder } from './mounts.js';

/** The repository's libexec/ directory (helper scripts run inside namespaces). */
export const LIBEXEC = resolve(dirname(fileURLToPath(import.meta.url)), '../../../libexec');

export interface SandboxContext {
  runner: Runner;
  identity: Identity;
}

/** The standard PATH inside a tree (DIB appends these to the caller's PATH). */
export const TARGET_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Where the sandbox mounts, in the tree (in this order on kiln-sandbox's command line). */
export const SANDBOX_MOUNTS = ['/proc', '/sys', '/dev', '/tmp/in_target.d'] as const;

/**
 * The sandbox's mount points, resolved inside the tree (a symlink there leads where it would lead
 * in the chroot, never out of the tree) and created: the host paths kiln-sandbox mounts on.
 */
export function prepareMountPoints(root: string): string[] {
  const tree = new Tree(root);
  return SANDBOX_MOUNTS.map((p) => tree.mkdirp(p));
}

/** Run argv chrooted into `root`, with /proc, /sys, /dev and the hooks at /tmp/in_target.d. */
export async function runInTree(ctx: SandboxContext, root: string, hooksDir: string, argv: string[], opts: RunOptions = {}): Promise<RunResult> {
  const prefix = asTreeRoot(ctx.identity, { mount: true });
  const [cmd, ...args] = [...prefix, 'sh', join(LIBEXEC, 'kiln-sandbox'), root, hooksDir, ...prepareMountPoints(root), ...argv];
  return ctx.runner.run(cmd!, args, opts);
}

/** Run argv on the host as root of the tree (directly as root; in the user namespace otherwise). */
export function runAsTreeRoot(ctx: SandboxContext, argv: string[], opts: RunOptions = {}): Promise<RunResult> {
  const prefix = asTreeRoot(ctx.identity);
  const [cmd, ...args] = [...prefix, ...argv];
  return ctx.runner.run(cmd!, args, opts);
}

/** The shell that runs hooks in a tree: bash when the tree has it (DIB's hooks are bash), else sh. */
export function treeShell(root: string): string {
  const tree = new Tree(root);
  return tree.isFile('/bin/bash') || tree.isFile('/usr/bin/bash') ? '/bin/bash' : '/bin/sh';
}

/**
 * Remove a tree that may hold files owned by mapped ids (only root of the tree can), never
 * through a mount point: whatever is mounted under it is unmounted first (sandbox/mounts.ts), and
 * if something stays mounted nothing is removed (a KilnError names it). `--one-file-system` also
 * stops rm at a mount that appears meanwhile, if it is of another filesystem; a bind mount of the
 * same filesystem is visible only in the mount table, hence the check first.
 */
export async function removeTree(ctx: SandboxContext, dir: string): Promise<void> {
  if (!existsSync(dir)) return;
  try {
    const unmounted = await unmountUnder({ runner: ctx.runner, log: ctx.runner.log }, dir);
    if (unmounted.length > 0) ctx.runner.log.info(`unmounted ${unmounted.join(', ')} before removing ${dir}`);
  } catch (e) {
    if (!(e instanceof KilnError)) throw e;
    throw new KilnError(`not removing ${dir}: ${e.message}`, { ...(e.hint ? { hint: e.hint } : {}), cause: e });
  }
  await runAsTreeRoot(ctx, ['rm', '-rf', '--one-file-system', dir]);
}
