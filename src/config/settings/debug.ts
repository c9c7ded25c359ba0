/** Diagnostics: tracing, logging, console output and debug shells. */
import { bool, integer, list, path, text } from '../values.js';
import { setting } from './types.js';

export const DEBUG = {
  debugTrace: setting({
    short: 'x', arg: 'count', env: ['DIB_DEBUG_TRACE'], type: integer(), default: 0, group: 'debug', scopes: ['build'],
    help: 'Trace hook scripts (set -x); repeat for more detail. The variable and the -x count add up.',
  }),
  logfile: setting({
    long: 'logfile', arg: 'value', argName: 'FILE', env: ['LOGFILE'], type: path, group: 'debug', scopes: ['build'],
    help: 'Write the full build log to FILE (the console then shows progress only, unless DIB_QUIET=0).',
  }),
  quiet: setting({
    env: ['DIB_QUIET'], type: bool('one'), group: 'debug', scopes: ['build'], defaultText: 'on with --logfile or a progress display',
    help: 'Keep hook output and progress lines off the console (1), or show them (0).',
  }),
  noTimestamp: setting({
    env: ['DIB_NO_TIMESTAMP'], type: bool('one'), default: false, group: 'debug', scopes: ['build'],
    help: 'No timestamp in front of console lines (the log file keeps them).',
  }),
  ci: setting({
    env: ['CI'], type: bool('unlessFalse'), default: false, group: 'debug', scopes: ['build'],
    help: 'Set by CI systems: no progress display, plain lines as on a pipe.',
  }),
  keepWorkspace: setting({
    long: 'keep-workspace', arg: 'none', env: ['KILN_KEEP_WORKSPACE'], type: bool('one'), default: false, group: 'debug',
    scopes: ['build'], kiln: true, help: 'Keep the build workspace after a successful build.',
  }),
  debug: setting({
    long: 'debug', arg: 'none', env: ['KILN_DEBUG'], type: bool('one'), default: false, group: 'debug', scopes: ['build', 'kiln'],
    kiln: true, help: 'Show debug logging and stack traces.',
  }),
  breaks: setting({
    env: ['break'], type: list(), default: [], group: 'debug', scopes: ['build'],
    help: 'Open a shell at phase boundaries: before-PHASE, after-PHASE (root, install, finalise, ...) and after-error, comma-separated.',
  }),
  breakCmd: setting({
    env: ['break_cmd'], type: text(), group: 'debug', scopes: ['build'], defaultText: 'bash', help: 'The command a break runs.',
  }),
  breakOutsideTarget: setting({
    env: ['break_outside_target'], type: bool('nonEmpty'), default: false, group: 'debug', scopes: ['build'],
    help: 'Breaks of in-target phases open their shell on the host, not in the tree.',
  }),
} as const;

export const INFO = {
  version: setting({ long: 'version', arg: 'none', type: bool('one'), default: false, group: 'info', scopes: ['build'], help: 'Print the version and exit.' }),
  help: setting({ short: 'h', long: 'help', arg: 'none', type: bool('one'), default: false, group: 'info', scopes: ['build'], help: 'Show this help and exit.' }),
} as const;
