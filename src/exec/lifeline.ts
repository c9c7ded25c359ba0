/**
 * Every command Kiln starts dies with Kiln, even when Kiln itself is SIGKILLed (a CI job timeout,
 * the OOM killer), when no cleanup code of ours can run. The Runner applies tiedToKiln() to every
 * argv; nothing else spawns processes.
 *
 * Two kernel mechanisms, combined:
 * - `setpriv --pdeathsig KILL`: the command gets SIGKILL when the thread that forked it dies.
 *   Node forks from its main thread (libuv's uv_spawn runs there), which lives as long as the
 *   process. The setting survives exec, except of a setuid/setgid or file-capability binary; no
 *   command Kiln runs directly is one (newuidmap runs as a child of unshare, briefly).
 * - a pid namespace with `unshare --fork --kill-child`: unshare's child is the namespace's init and
 *   gets SIGKILL when unshare dies; when an init dies the kernel kills every process of its
 *   namespace, including grandchildren that daemonized and nested namespaces. So a dead Kiln kills
 *   unshare (pdeathsig), which kills the init (--kill-child), which takes the whole command down.
 *
 * A command that already makes its own pid namespace this way (asTreeRoot's prefix: hooks, mkfs
 * and tar as tree root, mmdebstrap) only gets the pdeathsig. Every other command is put in a pid
 * namespace of its own: as root directly (cheap); unprivileged, a pid namespace needs a user
 * namespace, so with `--map-current-user`, which keeps the user's own uid and gid (files are
 * created as the user, group memberships still grant access). Measured cost: ~2.5 ms per command.
 */

export const PDEATHSIG_PREFIX = ['setpriv', '--pdeathsig', 'KILL', '--'];
/** unshare options that make the command's pid namespace die with unshare */
export const PID_NAMESPACE_OPTIONS = ['--pid', '--fork', '--kill-child'];

/** Does argv already run its command as the init of a pid namespace that dies with it? */
export function ownsPidNamespace(argv: readonly string[]): boolean {
  if (argv[0] !== 'unshare') return false;
  const end = argv.indexOf('--');
  const opts = end < 0 ? argv.slice(1) : argv.slice(1, end);
  return PID_NAMESPACE_OPTIONS.every((o) => opts.includes(o));
}

/** The argv that runs `argv` so that it, and every process it starts, dies with Kiln. */
export function tiedToKiln(argv: readonly string[], privileged: boolean): string[] {
  if (ownsPidNamespace(argv)) return [...PDEATHSIG_PREFIX, ...argv];
  const userns = privileged ? [] : ['--map-current-user'];
  return [...PDEATHSIG_PREFIX, 'unshare', ...userns, ...PID_NAMESPACE_OPTIONS, '--', ...argv];
}

/**
 * The wrappers report a command they could not start (exit 127) as "setpriv: failed to execute
 * X: No such file or directory" or the same from unshare: the name of the missing command, if so.
 */
export function missingCommand(exitCode: number | undefined, stderr: string): string | undefined {
  if (exitCode !== 127) return undefined;
  const m = /^(?:setpriv|unshare): failed to execute (.+): No such file or directory$/m.exec(stderr);
  return m?.[1];
}
