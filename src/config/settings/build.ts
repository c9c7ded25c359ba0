/** How the build runs: its environment, workspace, caches and elements. */
import { homedir } from 'node:os';
import { join } from 'node:path';
import { bool, integer, list, path, text } from '../values.js';
import { setting } from './types.js';

export const BUILD = {
  clearEnv: setting({
    short: 'c', arg: 'none', type: bool('one'), default: false, group: 'build', scopes: ['build'],
    help: 'Clear the environment: hooks see only the variables Kiln sets and PATH, HOME, USER, TERM, LANG, ELEMENTS_PATH, TMP_DIR and SOURCE_DATE_EPOCH.',
  }),
  elementsPath: setting({
    env: ['ELEMENTS_PATH'], type: list(':'), default: [], group: 'build', scopes: ['build', 'kiln'], defaultText: "Kiln's elements only",
    help: "Element directories, colon-separated; earlier entries win; Kiln's own elements/ always come last.",
  }),
  imageCache: setting({
    long: 'image-cache', arg: 'value', argName: 'DIR', env: ['DIB_IMAGE_CACHE'], type: path, group: 'build', scopes: ['build', 'kiln'],
    commands: ['cache'], default: (ctx) => join(ctx.get('xdgCacheHome') as string, 'kiln'), defaultText: '$XDG_CACHE_HOME/kiln (~/.cache/kiln)',
    help: 'Cache directory (bootstrap tarballs, element caches).',
  }),
  xdgCacheHome: setting({
    env: ['XDG_CACHE_HOME'], type: path, group: 'build', scopes: ['build', 'kiln'], default: (ctx) => join(ctx.get('home') as string, '.cache'),
    defaultText: '~/.cache', help: 'Where the default cache directory (kiln/) is made.',
  }),
  home: setting({
    env: ['HOME'], type: path, group: 'build', scopes: ['build', 'kiln'], default: () => homedir(), defaultText: "the user's home",
    help: 'The home directory: the default cache is under it.',
  }),
  tmpDir: setting({
    env: ['TMP_DIR'], type: path, default: '/tmp', group: 'build', scopes: ['build'], help: "Where the build's workspace is made.",
  }),
  hostPath: setting({
    env: ['PATH'], type: text(), default: '/usr/local/bin:/usr/bin:/bin', group: 'build', scopes: ['build'],
    help: 'Where host tools are looked up (/usr/local/sbin, /usr/sbin and /sbin are added); hooks get it too.',
  }),
  sourceDateEpoch: setting({
    env: ['SOURCE_DATE_EPOCH'], type: integer(), group: 'build', scopes: ['build', 'block-device'], defaultText: "the build's start time",
    help: "The image's clock (seconds since 1970): timestamps, and the seed of every UUID and id in the image.",
  }),
  offline: setting({
    long: 'offline', arg: 'none', env: ['DIB_OFFLINE'], type: bool('nonEmpty'), default: false, group: 'build', scopes: ['build'],
    help: 'Use caches only: reuse the cached bootstrap even when it may be stale; never download.',
  }),
  noCache: setting({
    long: 'no-cache', arg: 'none', env: ['KILN_NO_CACHE'], type: bool('one'), default: false, group: 'build', scopes: ['build'], kiln: true,
    help: 'Do not reuse or store cached bootstraps.',
  }),
  wait: setting({
    long: 'wait', arg: 'none', env: ['KILN_WAIT'], type: bool('one'), default: false, group: 'build', scopes: ['build'], kiln: true,
    help: 'If another build is writing the same outputs (-o), wait for it to finish instead of failing.',
  }),
  minTmpfs: setting({
    long: 'min-tmpfs', arg: 'value', argName: 'GiB', type: text(), group: 'build', scopes: ['build'], defaultText: '2',
    help: 'Accepted for compatibility. Kiln never mounts a tmpfs (it needs no privileges); the build works in TMP_DIR.',
  }),
  noTmpfs: setting({
    long: 'no-tmpfs', arg: 'none', type: bool('one'), default: false, group: 'build', scopes: ['build'],
    help: 'Accepted for compatibility: Kiln always builds on disk in TMP_DIR.',
  }),
} as const;
