/** `kiln`: the subcommand front end. */
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { NO_FLAGS, readSettings } from '../config/read-settings.js';
import { settingByKey } from '../config/settings.js';
import { UsageError } from '../errors.js';
import { completeCommand } from './commands/complete.js';
import { loadCommands } from './commands/index.js';
import { kilnVersion } from './paths.js';
import { runMain } from './report.js';
import { yargsOption } from './yargs-options.js';

const argv = hideBin(process.argv);
const debug = () => argv.includes('--debug') || readSettings(process.env, NO_FLAGS, 'kiln').debug;

await runMain(
  'kiln',
  async () => {
    let y = yargs(argv)
      .scriptName('kiln')
      .usage('kiln <command> [options]\n\nLoopless, rootless, DIB-compatible disk-image composer.')
      .option('debug', { ...yargsOption(settingByKey('debug')), global: true })
      .strict()
      .demandCommand(1, 'name a command; see kiln --help')
      .recommendCommands()
      .help()
      .alias('h', 'help')
      .version(kilnVersion())
      .wrap(Math.min(100, process.stdout.columns ?? 100))
      .fail((msg, err) => {
        if (err) throw err;
        throw new UsageError(msg);
      });
    const commands = await loadCommands();
    for (const c of commands) y = y.command(c);
    // hidden: what the completion scripts call (kiln completion)
    y = y.command(completeCommand(commands));
    await y.parseAsync();
  },
  debug,
  () => argv.includes('--json'),
);
