/** `kiln completion bash|zsh|fish`: print the shell's completion script. */
import { completionScript, SHELLS } from '../completion.js';
import type { KilnCommand } from './types.js';

export const command: KilnCommand = {
  command: 'completion <shell>',
  describe: 'print a shell completion script (commands, options, element names): eval "$(kiln completion bash)"',
  builder: (y) => y.positional('shell', { type: 'string', choices: [...SHELLS], describe: 'the shell' }),
  handler: (args) => {
    process.stdout.write(completionScript((args as unknown as { shell: string }).shell));
  },
};
