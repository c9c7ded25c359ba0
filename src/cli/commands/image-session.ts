/**
 * What `kiln shell` and `kiln run` share: the interrupt handling around a command in an image's
 * tree (shell/session.ts), and the note that the tree is a temporary copy.
 */
import { InterruptedError } from '../../errors.js';
import { abortCommands } from '../../exec/runner.js';
import { runInImage, type ImageCommandRequest } from '../../shell/session.js';
import { ConsoleLogger } from '../logging.js';

/**
 * Run the request; resolves with the command's exit status. Ctrl-C on a terminal reaches the
 * command itself (it is in the terminal's foreground process group), so Kiln ignores SIGINT from
 * a terminal; SIGTERM and SIGHUP (and SIGINT sent to Kiln alone) stop the command, remove the
 * copy and exit 128 + the signal's number.
 */
export async function runImageCommand(prog: string, image: string, argv: ImageCommandRequest['argv'], debug: boolean): Promise<number> {
  const log = new ConsoleLogger({ quiet: false, debug, timestamps: false });
  let interrupted: NodeJS.Signals | undefined;
  const stop = (sig: NodeJS.Signals): void => {
    if (interrupted) {
      process.stderr.write(`${prog}: ${sig} again: still removing the temporary copy\n`);
      return;
    }
    interrupted = sig;
    for (const s of [process.stdout, process.stderr]) s.on('error', () => undefined);
    void abortCommands(sig);
  };
  const onInt = (): void => {
    if (!process.stdin.isTTY) stop('SIGINT');
  };
  process.on('SIGINT', onInt);
  process.on('SIGTERM', stop);
  process.on('SIGHUP', stop);
  try {
    return await runInImage({
      image,
      argv,
      log,
      hostPath: process.env.PATH ?? '',
      terminalEnv: Object.fromEntries(['TERM', 'LANG', 'LC_ALL', 'COLORTERM'].flatMap((k) => (process.env[k] ? [[k, process.env[k]!]] : []))),
      onReady: (opened, dir) => {
        for (const n of opened.notes) log.warn(n);
        process.stderr.write(`${prog}: ${image} (${opened.kind}) opened in a temporary copy at ${dir}; changes are discarded when it ends\n`);
      },
    });
  } catch (e) {
    if (interrupted) throw new InterruptedError(interrupted, `${prog} interrupted by ${interrupted}; the temporary copy is removed`);
    throw e;
  } finally {
    process.removeListener('SIGINT', onInt);
    process.removeListener('SIGTERM', stop);
    process.removeListener('SIGHUP', stop);
  }
}
