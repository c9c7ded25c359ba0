/** `disk-image-create`: DIB's command line, flags and DIB_* variables. */
import { NO_FLAGS, readSettings } from '../config/read-settings.js';
import { runBuildCli } from './build-command.js';
import { runMain } from './report.js';

const argv = process.argv.slice(2);
await runMain(
  'disk-image-create',
  () => runBuildCli(argv),
  () => argv.includes('--debug') || readSettings(process.env, NO_FLAGS, 'kiln').debug,
  () => argv.includes('--json'),
);
