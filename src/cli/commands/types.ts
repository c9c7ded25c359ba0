/** The shape every `kiln` subcommand module exports (a yargs command module). */
import type { CommandModule } from 'yargs';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type KilnCommand = CommandModule<any, any> & {
  /** the commands under this one (`kiln block-device create`), for the man page */
  subcommands?: KilnCommand[];
};
