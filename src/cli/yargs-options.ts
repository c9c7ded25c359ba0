/** The yargs options of a kiln subcommand, made from the settings declared for it (src/config/settings/). */
import type { Options } from 'yargs';
import { SETTINGS, type DeclaredSetting } from '../config/settings.js';

export function yargsOption(s: DeclaredSetting): Options {
  const o: Options = { describe: s.help, type: s.arg === 'none' ? 'boolean' : s.type.yargs };
  if (s.type.choices) o.choices = [...s.type.choices];
  if (s.default !== undefined && typeof s.default !== 'function') o.default = s.default;
  if (s.required) o.demandOption = true;
  if (s.arg === 'value') o.requiresArg = true;
  return o;
}

/** Every option of `command` ('boot-test', 'plan block-device', ...), keyed by its --long name. */
export function commandOptions(command: string): Record<string, Options> {
  const found = SETTINGS.filter((s) => s.commands?.includes(command) && s.long);
  if (found.length === 0) throw new Error(`no options are declared for kiln ${command}`);
  return Object.fromEntries(found.map((s) => [s.long!, yargsOption(s)]));
}
