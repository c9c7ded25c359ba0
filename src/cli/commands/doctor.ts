/** `kiln doctor [--json]`: is this host ready to build and boot-test images? Exit 0 if so, 1 if not. */
import { formatDoctor, runDoctor } from '../doctor.js';
import { commandOptions } from '../yargs-options.js';
import type { KilnCommand } from './types.js';

export const command: KilnCommand = {
  command: 'doctor',
  describe: "check the host's readiness: tools and versions, user namespaces, subordinate ids, KVM, binfmt, free space",
  builder: (y) => y.options(commandOptions('doctor')),
  handler: async (args) => {
    const r = await runDoctor(process.env);
    process.stdout.write((args as { json?: boolean }).json ? `${JSON.stringify(r, null, 2)}\n` : `${formatDoctor(r)}\n`);
    process.exitCode = r.ready ? 0 : 1;
  },
};
