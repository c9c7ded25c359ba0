/**
 * The command lines that run build files: `diskimage-builder [OPTIONS] FILE.yaml...` (DIB's
 * command, with Kiln's --jobs and --json) and `kiln build -f FILE.yaml [OPTIONS]`.
 */
import yargs from 'yargs';
import { UsageError } from '../errors.js';
import { propertiesHelp } from './build-file.js';
import { runBuildFiles } from './build-file-run.js';
import { kilnVersion } from './paths.js';

const DESCRIPTION =
  'Builds the images of DIB build files: YAML lists of image definitions, each a map of ' +
  "disk-image-create's options. The whole file is checked first; then each image is built as " +
  '`kiln build` with those options would build it, up to --jobs at a time, and a summary follows. ' +
  'Exit status: 0 when every image was built, 1 when one failed.';

/** The options of diskimage-builder and kiln build -f (yargs options and the man page). */
export const BUILD_FILE_OPTIONS = [
  { name: 'jobs', alias: 'j', arg: 'N', describe: 'Build up to N images at once (they share the bootstrap cache). Default: 1.' },
  { name: 'stop-on-failure', describe: 'Start no more images after one fails (those running finish).' },
  { name: 'dry-run', describe: 'Check the files and print the command that builds each image; build nothing.' },
  { name: 'json', describe: 'Print the results as JSON on stdout: one record per image (schemas/build-file-result.json), with its build result.' },
  { name: 'debug', describe: 'Show debug logging and stack traces (the builds get KILN_DEBUG=1).' },
] as const;

export const BUILD_FILE_DESCRIPTION = DESCRIPTION;

export async function runBuildFileCli(argv: string[], prog: 'diskimage-builder' | 'kiln build'): Promise<number> {
  const fileFlag = prog === 'kiln build';
  let y = yargs(argv)
    .scriptName(prog)
    .usage(fileFlag ? `${prog} -f FILE.yaml [-f FILE.yaml...] [OPTIONS]\n\n${DESCRIPTION}` : `${prog} [OPTIONS] FILE.yaml...\n\n${DESCRIPTION}`)
    .epilog(`Keys of an image definition (as diskimage-builder's):\n${propertiesHelp()}`)
    .strict()
    .help()
    .alias('h', 'help')
    .version(kilnVersion())
    .wrap(Math.min(110, process.stdout.columns ?? 110))
    .fail((msg, err) => {
      if (err) throw err;
      throw new UsageError(msg, { hint: `see ${prog} --help` });
    });
  for (const o of BUILD_FILE_OPTIONS) {
    y = y.option(o.name, {
      describe: o.describe,
      ...('arg' in o ? { alias: o.alias, type: 'number', default: 1, requiresArg: true } : { type: 'boolean', default: false }),
    });
  }
  if (fileFlag)
    y = y.option('file', { alias: 'f', type: 'string', array: true, demandOption: 'name a build file: -f FILE.yaml', describe: 'A build file (repeatable).' });
  else y = y.command('$0 <files..>', false, (c) => c.positional('files', { type: 'string', array: true, describe: 'Build files' }));
  const a = (await y.parseAsync()) as unknown as {
    jobs: number;
    stopOnFailure: boolean;
    dryRun: boolean;
    json: boolean;
    debug: boolean;
    file?: string[];
    files?: string[];
    help?: boolean;
  };
  if (a.help) return 0;
  const files = (fileFlag ? a.file : a.files) ?? [];
  if (files.length === 0) throw new UsageError('name a build file', { hint: fileFlag ? `${prog} -f FILE.yaml` : `${prog} FILE.yaml` });
  if (!Number.isInteger(a.jobs) || a.jobs < 1)
    throw new UsageError(`--jobs ${a.jobs}: expected a whole number of 1 or more`, { hint: '--jobs 2 builds two images at once' });
  return runBuildFiles({ files, jobs: a.jobs, stopOnFailure: a.stopOnFailure, dryRun: a.dryRun, json: a.json, debug: a.debug, prog });
}

/** Does a `kiln build` command line name a build file (-f/--file)? disk-image-create has no -f. */
export function namesBuildFile(argv: string[]): boolean {
  const end = argv.indexOf('--');
  return (end < 0 ? argv : argv.slice(0, end)).some((a) => a === '-f' || a === '--file' || a.startsWith('--file=') || (/^-f./.test(a) && !a.startsWith('--')));
}
