/**
 * Error model. Library code throws these; only src/cli/ turns them into exit codes and messages.
 *  - KilnError: the user's input is wrong (exit 1). `where` names the file:line or element chain,
 *    `hint` says what to do.
 *  - UsageError: bad command line (exit 2).
 *  - InterruptedError: stopped by SIGHUP/SIGINT/SIGTERM (exit 128 + the signal's number).
 *  - anything else is an internal error (exit 70).
 */
import { constants as osConstants } from 'node:os';

export interface ErrorDetails {
  /** file:line, an element chain, or a node name: where the problem is */
  where?: string;
  /** one short sentence telling the user what to do */
  hint?: string;
  cause?: unknown;
}

export class KilnError extends Error {
  readonly where?: string;
  readonly hint?: string;
  readonly exitCode: number = 1;
  constructor(message: string, details: ErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'KilnError';
    if (details.where !== undefined) this.where = details.where;
    if (details.hint !== undefined) this.hint = details.hint;
  }
}

export class UsageError extends KilnError {
  override readonly exitCode: number = 2;
  constructor(message: string, details: ErrorDetails = {}) {
    super(message, details);
    this.name = 'UsageError';
  }
}

/** Several independent problems found in one validation pass; reported together, each with its hint. */
export class ValidationErrors extends KilnError {
  readonly problems: KilnError[];
  constructor(summary: string, problems: KilnError[]) {
    super(
      `${summary}:\n${problems.map((p) => `  - ${formatProblem(p)}${problems.length > 1 && p.hint ? `\n    hint: ${p.hint}` : ''}`).join('\n')}`,
      problems.length === 1 && problems[0]?.hint !== undefined ? { hint: problems[0].hint } : {},
    );
    this.name = 'ValidationErrors';
    this.problems = problems;
  }
}

export function formatProblem(e: KilnError): string {
  return e.where ? `${e.where}: ${e.message}` : e.message;
}

/** Throw a ValidationErrors if any problems were collected. */
export function throwIfProblems(summary: string, problems: KilnError[]): void {
  if (problems.length === 1 && problems[0]) throw problems[0];
  if (problems.length > 1) throw new ValidationErrors(summary, problems);
}

export function isKilnError(e: unknown): e is KilnError {
  return e instanceof KilnError;
}

/**
 * Kiln got SIGINT, SIGTERM or SIGHUP and stopped what was running. The exit code is the shell's
 * convention for death by that signal, 128 + its number: 129 (HUP), 130 (INT), 143 (TERM).
 */
export class InterruptedError extends KilnError {
  override readonly exitCode: number;
  readonly signal: string;
  constructor(signal: string, message = `interrupted by ${signal}`, details: ErrorDetails = {}) {
    super(message, details);
    this.name = 'InterruptedError';
    this.signal = signal;
    this.exitCode = signalExitCode(signal);
  }
}

/** 128 + the signal's number (130 for SIGINT); 130 for a name this host does not know. */
export function signalExitCode(signal: string): number {
  const n = (osConstants.signals as Record<string, number | undefined>)[signal];
  return 128 + (n ?? 2);
}

/** The InterruptedError behind `e`, when an interrupt caused it (directly or as a cause). */
export function interruptOf(e: unknown): InterruptedError | undefined {
  for (let c = e, depth = 0; c instanceof Error && depth < 10; c = c.cause, depth++) {
    if (c instanceof InterruptedError) return c;
  }
  return undefined;
}
