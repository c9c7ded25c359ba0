/**
 * `kiln shell` and `kiln run`: a command in an image's tree, in the sandbox hooks run in
 * (sandbox/sandbox.ts: chroot with /proc, /sys, /dev, in a private mount namespace; a user
 * namespace when not root), without booting and without mounting the image. The tree is a
 * temporary copy (open.ts), removed afterwards with everything the command changed. The host's
 * resolv.conf is lent to it, so the network works as in a hook.
 */
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signalExitCode } from '../errors.js';
import { asCleanup, CommandError, Runner } from '../exec/runner.js';
import { deadProcessEntries, processTag } from '../exec/process-tag.js';
import type { Logger } from '../log.js';
import { checkEnvironment } from '../sandbox/environment.js';
import { currentIdentity, type Identity, withFakerootDb } from '../sandbox/identity.js';
import { removeTree, runInTree, type SandboxContext, TARGET_PATH } from '../sandbox/sandbox.js';
import { Tree } from '../tree/fs.js';
import { installHostResolvConf } from '../tree/resolv-conf.js';
import { openImageTree, type OpenedTree } from './open.js';

export const SHELL_TMP_PREFIX = 'kiln-shell-';

export interface ImageCommandRequest {
  image: string;
  /** the command, or what to run once the tree is there (kiln shell: the tree's own shell) */
  argv: string[] | ((tree: string) => string[]);
  log: Logger;
  /** where the temporary copy is made; default the system's temp directory */
  tmpDir?: string;
  /** the PATH host tools are found on */
  hostPath: string;
  /** the caller's terminal settings passed to the command (TERM, LANG, LC_ALL, COLORTERM) */
  terminalEnv?: Record<string, string>;
  /** told once the tree is ready, before the command starts */
  onReady?: (opened: OpenedTree, dir: string) => void;
}

/** Every exit status is the command's to report, not a failure of Kiln's. */
const ANY_STATUS = Array.from({ length: 256 }, (_, i) => i);

/** The identity the tree is written and entered as: fakeroot mode keeps owners in a database in `dir`. */
function treeIdentity(dir: string, hostPath: string): Identity {
  const id = currentIdentity();
  return checkEnvironment(id, hostPath).kind === 'fakeroot' ? withFakerootDb(id, join(dir, 'fakeroot.db')) : id;
}

/**
 * Remove the temporary copies that killed sessions (SIGKILL) left in `parent`, named
 * kiln-shell-<pid>.<start>-XXXXXX after their process. Returns the names removed.
 */
export async function removeDeadShellDirs(ctx: SandboxContext, parent: string = tmpdir()): Promise<string[]> {
  const dead = deadProcessEntries(parent, SHELL_TMP_PREFIX);
  for (const n of dead) await removeTree(ctx, join(parent, n));
  return dead;
}

/** Run argv in the image's tree; resolves with its exit status (128 + n when a signal killed it). */
export async function runInImage(req: ImageCommandRequest): Promise<number> {
  const hostPath = req.hostPath;
  const parent = req.tmpDir ?? tmpdir();
  const runner = new Runner(req.log);
  const user: SandboxContext = { runner, identity: currentIdentity() };
  await removeDeadShellDirs(user, parent).catch((e: Error) => req.log.warn(`could not remove an old ${SHELL_TMP_PREFIX}* directory: ${e.message}`));
  const dir = mkdtempSync(join(parent, `${SHELL_TMP_PREFIX}${processTag()}-`));
  const ctx: SandboxContext = { runner, identity: user.identity };
  try {
    ctx.identity = treeIdentity(dir, hostPath);
    const tree = join(dir, 'tree');
    const hooks = join(dir, 'hooks');
    const scratch = join(dir, 'scratch');
    for (const d of [tree, hooks, scratch]) mkdirSync(d, { mode: 0o755 });
    const opened = await openImageTree(ctx, req.image, tree, scratch);
    // what is no longer needed (a converted disk, unpacked layers) goes before the command runs
    await runner.run('rm', ['-rf', '--', scratch]);
    const t = new Tree(tree);
    installHostResolvConf(t);
    req.onReady?.(opened, tree);
    const env: Record<string, string> = { PATH: TARGET_PATH, HOME: '/root', USER: 'root', LOGNAME: 'root', SHELL: '/bin/sh' };
    Object.assign(env, req.terminalEnv ?? {});
    try {
      const argv = typeof req.argv === 'function' ? req.argv(tree) : req.argv;
      const r = await runInTree(ctx, tree, hooks, argv, { env, extendEnv: false, interactive: true, okExitCodes: ANY_STATUS });
      return r.exitCode;
    } catch (e) {
      // killed by a signal: the shell's convention
      const sig = e instanceof CommandError ? /was killed by (SIG\w+)/.exec(e.message)?.[1] : undefined;
      if (sig) return signalExitCode(sig);
      throw e;
    }
  } finally {
    await asCleanup(() => removeTree(ctx, dir));
  }
}
