/** `kiln lint [DIR...]`: check element repositories as DIB's dib-lint does, and as a Kiln build reads them. */
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { KilnError } from '../../errors.js';
import { LINT_CHECKS, lintRepository, type LintProblem, toxIgnores } from '../../elements/lint.js';
import { scanElements } from '../../elements/scan.js';
import { elementPaths } from './elements.js';
import { commandOptions } from '../yargs-options.js';
import type { KilnCommand } from './types.js';

interface LintArgs {
  dirs?: string[];
  json?: boolean;
  ignore?: string[];
  'list-checks'?: boolean;
}

export const command: KilnCommand = {
  command: 'lint [dirs..]',
  describe: "check element repositories (dib-lint's checks, and what a build would refuse); exit 1 on an error",
  builder: (y) =>
    y
      .positional('dirs', { type: 'string', array: true, describe: 'element repositories or elements (default: the ELEMENTS_PATH entries)' })
      .option('ignore', { type: 'string', array: true, describe: 'checks to skip everywhere (as tox.ini [dib-lint] ignore)' })
      .option('list-checks', { type: 'boolean', describe: 'list the checks and exit' })
      .options(commandOptions('lint')),
  handler: (args) => {
    const a = args as LintArgs;
    if (a['list-checks']) {
      if (a.json) process.stdout.write(`${JSON.stringify(LINT_CHECKS, null, 2)}\n`);
      else for (const [k, v] of Object.entries(LINT_CHECKS)) process.stdout.write(`${k.padEnd(17)} ${v}\n`);
      return;
    }
    const onPath = elementPaths();
    const dirs = a.dirs?.length ? a.dirs : onPath.slice(0, -1);
    if (dirs.length === 0) throw new KilnError('nothing to lint: no directory given and ELEMENTS_PATH is empty', { hint: 'kiln lint path/to/elements' });
    const unknown = (a.ignore ?? []).flatMap((s) => s.split(/[\s,]+/)).filter((c) => c && !(c in LINT_CHECKS));
    if (unknown.length) throw new KilnError(`unknown check: ${unknown.join(', ')}`, { hint: 'kiln lint --list-checks names them' });
    const known = new Set(scanElements(onPath).elements.keys());
    const problems: LintProblem[] = [];
    for (const d of dirs) {
      if (!existsSync(d) || !statSync(d).isDirectory())
        throw new KilnError(`'${d}' is not a directory`, { hint: 'name an element repository (a directory of elements) or an element' });
      const ignore = new Set([...toxIgnores(resolve(d)), ...toxIgnores(process.cwd()), ...(a.ignore ?? []).flatMap((s) => s.split(/[\s,]+/))]);
      problems.push(...lintRepository(resolve(d), { known, ignore, cwd: process.cwd() }));
    }
    const errors = problems.filter((p) => p.severity === 'error').length;
    const warnings = problems.length - errors;
    if (a.json) process.stdout.write(`${JSON.stringify({ errors, warnings, problems }, null, 2)}\n`);
    else {
      for (const p of problems)
        process.stdout.write(`${p.file}${p.line ? `:${p.line}` : ''}: ${p.severity === 'warning' ? 'warning' : 'error'} [${p.check}] ${p.message}\n`);
      process.stderr.write(
        `kiln lint: ${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'} in ${dirs.length} director${dirs.length === 1 ? 'y' : 'ies'}\n`,
      );
    }
    if (errors > 0) process.exitCode = 1;
  },
};
