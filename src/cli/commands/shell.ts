/** `kiln shell IMAGE`: an interactive shell in the image's tree (a temporary copy), without booting it. */
import { treeShell } from '../../sandbox/sandbox.js';
import { runImageCommand } from './image-session.js';
import type { KilnCommand } from './types.js';

export const command: KilnCommand = {
  command: 'shell <image>',
  describe: "open a shell in an image's tree (disk image, tar, docker/OCI archive, squashfs or directory) without booting it; changes are discarded",
  builder: (y) => y.positional('image', { type: 'string', describe: 'the image (raw, qcow2, vmdk, vhd(x), tar, docker, oci, squashfs) or a tree directory' }),
  handler: async (args) => {
    const a = args as unknown as { image: string; debug?: boolean };
    process.exitCode = await runImageCommand('kiln shell', a.image, (tree) => [treeShell(tree), '-l'], a.debug === true);
  },
};
