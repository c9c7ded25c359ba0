/** The shape every `kiln` subcommand module exports (a yargs command module). */
import type { CommandModule } from 'yargs';

// biome-ignore lint/suspicious/noExplicitAny: yargs types each command's argv itself
export type KilnCommand = CommandModule<any, any> & {
  /** the commands under this one (`kiln block-device create`), for the man page */
  subcommands?: KilnCommand[];
};
