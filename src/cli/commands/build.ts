/**
 * `kiln build ...`: the same as disk-image-create (same flags, same DIB_* variables);
 * `kiln build -f FILE.yaml` builds the images of a DIB build file (build-file-cli.ts).
 */
import type { KilnCommand } from './types.js';
import { runBuildCli } from '../build-command.js';
import { namesBuildFile, runBuildFileCli } from '../build-file-cli.js';

export const command: KilnCommand = {
  command: 'build [args..]',
  describe: 'build an image: the same options as disk-image-create (kiln build --help); kiln build -f FILE.yaml builds a build file',
  builder: (y) => y.strict(false).help(false).parserConfiguration({ 'unknown-options-as-args': true }),
  handler: async () => {
    const i = process.argv.indexOf('build');
    const args = process.argv.slice(i + 1);
    process.exitCode = namesBuildFile(args) ? await runBuildFileCli(args, 'kiln build') : await runBuildCli(args, 'kiln build');
  },
};
