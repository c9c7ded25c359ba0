/** `kiln diff A B`: where two disk images differ, by partition, filesystem, file and inode field. */
import { Runner } from '../../exec/runner.js';
import { diffImages, formatDiff } from '../../inspect/diff.js';
import { commandOptions } from '../yargs-options.js';
import type { KilnCommand } from './types.js';

interface DiffArgs {
  a: string;
  b: string;
  json?: boolean;
}

export const command: KilnCommand = {
  command: 'diff <a> <b>',
  describe: 'explain how two disk images differ (partition, filesystem, file, inode field); exit 1 when they do',
  builder: (y) =>
    y
      .positional('a', { type: 'string', describe: 'a disk image (raw, qcow2, vhd, vhdx, vmdk)' })
      .positional('b', { type: 'string', describe: 'the image to compare it with' })
      .options(commandOptions('diff')),
  handler: async (args) => {
    const a = args as unknown as DiffArgs;
    const report = await diffImages(new Runner(), a.a, a.b);
    process.stdout.write(a.json ? `${JSON.stringify(report, null, 2)}\n` : formatDiff(report));
    if (!report.identical) process.exitCode = 1;
  },
};
