/** `disk-image-create`: DIB's command line, flags and DIB_* variables. */
import { runBuildCli } from './build-command.js';
import { runMain } from './report.js';

const argv = process.argv.slice(2);
await runMain('disk-image-create', () => runBuildCli(argv),
  () => argv.includes('--debug') || process.env['KILN_DEBUG'] === '1');
