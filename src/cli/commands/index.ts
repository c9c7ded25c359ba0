/**
 * The `kiln` subcommands. Each lives in its own module exporting a yargs CommandModule;
 * adding a command is one file plus one line here.
 */
import type { KilnCommand } from './types.js';

export type { KilnCommand };

export async function loadCommands(): Promise<KilnCommand[]> {
  const mods = await Promise.all([
    // one line per command module (keep sorted)
    import('./block-device.js'),
    import('./boot-test.js'),
    import('./build.js'),
    import('./cache.js'),
    import('./completion.js'),
    import('./diff.js'),
    import('./doctor.js'),
    import('./elements.js'),
    import('./lint.js'),
    import('./plan.js'),
    import('./run.js'),
    import('./shell.js'),
    import('./verify-reproducible.js'),
  ] as Promise<{ command: KilnCommand }>[]);
  return mods.map((m) => m.command);
}
