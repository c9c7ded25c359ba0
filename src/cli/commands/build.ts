/** `kiln build ...`: the same as disk-image-create (same flags, same DIB_* variables). */
import type { KilnCommand } from './types.js';
import { runBuildCli } from '../build-command.js';

export const command: KilnCommand = {
  command: 'build [args..]',
  describe: 'build an image: the same options as disk-image-create (kiln build --help)',
  builder: (y) => y.strict(false).help(false).parserConfiguration({ 'unknown-options-as-args': true }),
  handler: async () => {
    const i = process.argv.indexOf('build');
    process.exitCode = await runBuildCli(process.argv.slice(i + 1), 'kiln build');
  },
};
