/**
 * A written output failed its own verification: that is Kiln's bug, not the user's, so this is
 * deliberately not a KilnError (src/cli/report.ts maps it to the internal-error exit code 70).
 */
export class OutputVerificationError extends Error {
  readonly output: string;
  readonly problem: string;
  constructor(output: string, problem: string, cause?: unknown) {
    super(`output ${output} failed verification: ${problem}`, cause === undefined ? undefined : { cause });
    this.name = 'OutputVerificationError';
    this.output = output;
    this.problem = problem;
  }
}
