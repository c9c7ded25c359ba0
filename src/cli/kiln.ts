/** `kiln`: the subcommand front end. */
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { UsageError } from '../errors.js';
import { loadCommands } from './commands/index.js';
import { runMain } from './report.js';

const argv = hideBin(process.argv);
const debug = () => argv.includes('--debug') || process.env['KILN_DEBUG'] === '1';

await runMain('kiln', async () => {
  let y = yargs(argv)
    .scriptName('kiln')
    .usage('kiln <command> [options]\n\nLoopless, rootless, DIB-compatible disk-image composer.')
    .option('debug', { type: 'boolean', describe: 'show stack traces and debug logging', global: true })
    .strict()
    .demandCommand(1, 'name a command; see kiln --help')
    .recommendCommands()
    .help()
    .version(false)
    .wrap(Math.min(100, process.stdout.columns ?? 100))
    .fail((msg, err) => {
      if (err) throw err;
      throw new UsageError(msg);
    });
  for (const c of await loadCommands()) y = y.command(c);
  await y.parseAsync();
}, debug);
