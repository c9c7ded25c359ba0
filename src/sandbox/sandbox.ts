/**
 * Running commands for a build: inside the tree's sandbox (in-target phases) or on the host with
 * the tree's owners mapped (host phases, when unprivileged). Every command runs in its own pid
 * namespace (asTreeRoot, or the Runner's), so no process of a hook outlives it or Kiln.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunOptions, RunResult, Runner } from '../exec/runner.js';
import { asTreeRoot, type Identity } from './identity.js';

/** The repository's libexec/ directory (helper scripts run inside namespaces). */
export const LIBEXEC = resolve(dirname(fileURLToPath(import.meta.url)), '../../../libexec');

export interface SandboxContext {
  runner: Runner;
  identity: Identity;
}

/** The standard PATH inside a tree (DIB appends these to the caller's PATH). */
export const TARGET_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Run argv chrooted into `root`, with /proc, /sys, /dev and the hooks at /tmp/in_target.d. */
export function runInTree(ctx: SandboxContext, root: string, hooksDir: string, argv: string[], opts: RunOptions = {}): Promise<RunResult> {
  const prefix = asTreeRoot(ctx.identity, { mount: true });
  const [cmd, ...args] = [...prefix, 'sh', join(LIBEXEC, 'kiln-sandbox'), root, hooksDir, ...argv];
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
  return existsSync(join(root, 'bin/bash')) || existsSync(join(root, 'usr/bin/bash')) ? '/bin/bash' : '/bin/sh';
}

/** Remove a tree that may hold files owned by mapped ids (only root of the tree can). */
export async function removeTree(ctx: SandboxContext, dir: string): Promise<void> {
  if (!existsSync(dir)) return;
  await runAsTreeRoot(ctx, ['rm', '-rf', '--one-file-system', dir]);
}
