/** `kiln run IMAGE -- CMD...`: one command in the image's tree (a temporary copy); exits with its status. */
import { UsageError } from '../../errors.js';
import { runImageCommand } from './image-session.js';
import type { KilnCommand } from './types.js';

export const command: KilnCommand = {
  command: 'run <image> [command..]',
  describe: "run a command in an image's tree without booting it (changes are discarded); exit with its status",
  builder: (y) =>
    y
      .parserConfiguration({ 'populate--': true })
      .positional('image', { type: 'string', describe: 'the image (raw, qcow2, vmdk, vhd(x), tar, docker, oci, squashfs) or a tree directory' })
      .positional('command', { type: 'string', array: true, describe: 'the command and its arguments, after -- (kiln run IMAGE -- CMD ARG...)' }),
  handler: async (args) => {
    const a = args as unknown as { image: string; command?: string[]; '--'?: string[]; debug?: boolean };
    const argv = [...(a.command ?? []), ...(a['--'] ?? [])].map(String);
    if (argv.length === 0) throw new UsageError('kiln run needs a command: kiln run IMAGE -- CMD [ARG...]');
    process.exitCode = await runImageCommand('kiln run', a.image, argv, a.debug === true);
  },
};
