/**
 * Interrupts: SIGINT (Ctrl-C), SIGTERM (kill, a service manager, CI cancelling a job) and SIGHUP
 * (the terminal or ssh session closed) all stop a command the same way: its handler stops what is
 * running and cleans up, and the process exits with 128 + the signal's number (129, 130, 143), as
 * a shell reports death by that signal. A second interrupt exits at once, without waiting for
 * cleanup (every command still dies with Kiln: exec/lifeline.ts). SIGKILL cannot be handled; then
 * the commands die with Kiln and the next build sweeps what was left in the cache.
 */
import { signalExitCode } from '../errors.js';

export const INTERRUPT_SIGNALS: readonly NodeJS.Signals[] = ['SIGHUP', 'SIGINT', 'SIGTERM'];

/**
 * Call `onInterrupt` on the first interrupt signal. Returns the function that removes the
 * handlers. Handlers are `on`, not `once`: execa's signal-exit re-raises a signal (killing us
 * before cleanup) when it finds itself the only listener left.
 */
export function handleInterrupts(prog: string, onInterrupt: (sig: NodeJS.Signals) => void): () => void {
  let first: NodeJS.Signals | undefined;
  const handler = (sig: NodeJS.Signals): void => {
    if (first) {
      process.stderr.write(`${prog}: ${sig} again: exiting without waiting for cleanup\n`);
      process.exit(signalExitCode(first));
    }
    first = sig;
    // after SIGHUP the terminal is gone: a failed write (EIO) must not kill us before cleanup
    for (const s of [process.stdout, process.stderr]) s.on('error', () => undefined);
    onInterrupt(sig);
  };
  for (const s of INTERRUPT_SIGNALS) process.on(s, handler);
  return () => {
    for (const s of INTERRUPT_SIGNALS) process.removeListener(s, handler);
  };
}
