/**
 * Turning errors into what the user sees and the process exit code.
 * 1: user error (KilnError), 2: usage (UsageError), 70: internal (anything else; EX_SOFTWARE).
 */
import { InterruptedError, isKilnError, UsageError } from '../errors.js';

export const EXIT_USER = 1;
export const EXIT_USAGE = 2;
export const EXIT_INTERNAL = 70;

export function exitCodeFor(e: unknown): number {
  if (e instanceof UsageError) return EXIT_USAGE;
  if (isKilnError(e)) return e.exitCode;
  return EXIT_INTERNAL;
}

export function formatError(prog: string, e: unknown, debug: boolean): string {
  const lines: string[] = [];
  if (isKilnError(e)) {
    lines.push(`${prog}: error: ${e.where ? `${e.where}: ` : ''}${e.message}`);
    if (e.hint) lines.push(`  hint: ${e.hint}`);
    if (debug && e.stack) lines.push(e.stack);
  } else {
    const err = e as Error;
    lines.push(`${prog}: internal error: ${err?.message ?? String(e)}`);
    if (debug && err?.stack) lines.push(err.stack);
    else lines.push('  hint: this is a bug in Kiln; run again with --debug for the stack trace and report it');
  }
  return lines.join('\n');
}

/** What --json prints on stdout when a command fails (docs/user-guide.md, "Machine-readable output"). */
export interface JsonError {
  error: {
    kind: 'user' | 'usage' | 'interrupted' | 'internal';
    message: string;
    where: string | null;
    hint: string | null;
    exitCode: number;
  };
}

export function jsonError(e: unknown): JsonError {
  const exitCode = exitCodeFor(e);
  if (!isKilnError(e)) {
    const err = e as Error;
    return {
      error: {
        kind: 'internal',
        message: err?.message ?? String(e),
        where: null,
        hint: 'this is a bug in Kiln; run again with --debug for the stack trace and report it',
        exitCode,
      },
    };
  }
  const kind = e instanceof UsageError ? 'usage' : e instanceof InterruptedError ? 'interrupted' : 'user';
  return { error: { kind, message: e.message, where: e.where ?? null, hint: e.hint ?? null, exitCode } };
}

/**
 * Run a CLI main function: report errors, set the exit code. No stack trace unless debug. With
 * --json (wantsJson), a failure also prints one JSON object on stdout (jsonError); the message
 * stays on stderr as well.
 */
export async function runMain(
  prog: string,
  // biome-ignore lint/suspicious/noConfusingVoidType: handlers that return nothing are the common case
  main: () => Promise<number | void>,
  isDebug: () => boolean,
  wantsJson: () => boolean = () => false,
): Promise<void> {
  // `kiln plan | head`: a reader that stops early is not an error (a build goes on writing its log)
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
    process.exit(process.exitCode ?? 0);
  });
  try {
    const code = await main();
    // a subcommand handler (kiln build) may have set the code itself
    process.exitCode = code ?? process.exitCode ?? 0;
  } catch (e) {
    process.stderr.write(`${formatError(prog, e, isDebug())}\n`);
    if (wantsJson()) process.stdout.write(`${JSON.stringify(jsonError(e), null, 2)}\n`);
    process.exitCode = exitCodeFor(e);
  }
}
