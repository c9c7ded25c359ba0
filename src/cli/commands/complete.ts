/**
 * `kiln __complete CWORD WORD...` (hidden): the candidates for WORD number CWORD, one a line; what
 * the completion scripts call. The words are read from argv as they are (they hold options).
 */
import { completionCandidates } from '../completion.js';
import { elementPaths } from './elements.js';
import type { KilnCommand } from './types.js';

/** Made by kiln.ts from the loaded commands (not listed in index.ts: it would import itself through it). */
export const completeCommand = (commands: KilnCommand[]): KilnCommand => ({
  command: '__complete [args..]',
  describe: false,
  builder: (y) => y.strict(false).help(false).version(false).parserConfiguration({ 'unknown-options-as-args': true }),
  handler: () => {
    const rest = process.argv.slice(process.argv.indexOf('__complete') + 1);
    const cword = Number(rest[0]);
    const words = rest.slice(1);
    if (!Number.isInteger(cword) || cword < 0) return;
    const out = completionCandidates(words, cword, { commands, elementsPath: elementPaths() });
    if (out.length) process.stdout.write(`${out.join('\n')}\n`);
  },
});
