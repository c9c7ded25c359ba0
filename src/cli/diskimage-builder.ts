/** `diskimage-builder FILE.yaml...`: DIB's build-file command (build-file-cli.ts). */
import { NO_FLAGS, readSettings } from '../config/read-settings.js';
import { runBuildFileCli } from './build-file-cli.js';
import { runMain } from './report.js';

const argv = process.argv.slice(2);
await runMain(
  'diskimage-builder',
  () => runBuildFileCli(argv, 'diskimage-builder'),
  () => argv.includes('--debug') || readSettings(process.env, NO_FLAGS, 'kiln').debug,
  () => argv.includes('--json'),
);
