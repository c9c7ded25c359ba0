/**
 * The one place where the command line and the environment become a frozen, typed BuildConfig.
 * Command-line values win over environment variables, which win over defaults (as in DIB, where
 * the flags set the variables).
 */
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { KilnError, UsageError } from '../errors.js';
import type { ParsedArgs } from './argv.js';

export type ChecksumKind = 'md5' | 'sha256';

export interface BuildConfig {
  /** the elements named on the command line */
  elements: string[];
  arch: string;
  imageName: string;
  /** directory the outputs go to (from -o) */
  outDir: string;
  imageTypes: string[];
  debugTrace: number;
  compress: boolean;
  clearEnv: boolean;
  skipBase: boolean;
  packages: string[];
  checksums: ChecksumKind[];
  imageSizeGiB?: number;
  imageExtraSizeMiB?: number;
  cacheDir: string;
  maxOnlineResize?: number;
  journalSizeMiB: number;
  mkfsOptions?: string;
  offline: boolean;
  qemuImgOptions?: string;
  rootLabel?: string;
  installType: 'source' | 'package';
  dockerTarget?: string;
  logfile?: string;
  useCache: boolean;
  compression?: 'zstd' | 'xz';
  shrink: boolean;
  bootTest: boolean;
  keepWorkspace: boolean;
  /** --wait: wait for another build holding the output lock instead of failing */
  wait: boolean;
  debug: boolean;
  tmpDir: string;
  elementsPath: string[];
  /** SOURCE_DATE_EPOCH, else the build's start: the image's clock and the seed of its ids */
  epoch: number;
  /** what the hooks see: DIB_* and friends (the host environment unless -c) */
  env: Readonly<Record<string, string>>;
  /** notices for options accepted for compatibility that do nothing in Kiln */
  notices: string[];
}

export interface ConfigInputs {
  args: ParsedArgs;
  env: Record<string, string | undefined>;
  hostArch: string;
  builtinElements: string;
  /** seconds since the epoch: the image's clock when SOURCE_DATE_EPOCH is not set */
  now?: number;
}

export function createBuildConfig({ args, env: hostEnv, hostArch, builtinElements, now }: ConfigInputs): BuildConfig {
  const v = (k: string): string | undefined => args.values.get(k)?.at(-1);
  const on = (k: string): boolean => (args.counts.get(k) ?? 0) > 0;
  const clearEnv = on('clearEnv');
  const env: Record<string, string> = {};
  for (const [k, val] of Object.entries(hostEnv)) {
    if (val === undefined) continue;
    if (!clearEnv || ['PATH', 'HOME', 'USER', 'TERM', 'LANG', 'ELEMENTS_PATH', 'TMP_DIR', 'SOURCE_DATE_EPOCH'].includes(k)) env[k] = val;
  }
  const e = (k: string): string | undefined => (env[k] === '' ? undefined : env[k]);
  const notices: string[] = [];

  if (args.positionals.length === 0) {
    throw new UsageError('At least one distribution root element must be specified', { hint: 'e.g. disk-image-create debian-minimal vm' });
  }
  const imageTypes = (v('imageTypes') ?? e('IMAGE_TYPES') ?? 'qcow2').split(',').map((t) => t.trim()).filter(Boolean);
  let name = checkImageName(v('imageName')) ?? e('IMAGE_NAME') ?? 'image';
  if (imageTypes.length === 1 && name.endsWith(`.${imageTypes[0]}`)) name = name.slice(0, -(imageTypes[0]!.length + 1));
  const outPath = resolve(name);

  const ramdisk = v('ramdiskElement');
  if (ramdisk !== undefined) {
    throw new KilnError('--ramdisk-element: ramdisk images are not supported yet', { hint: 'build a disk image without --ramdisk-element' });
  }
  if (on('noTmpfs') || v('minTmpfs') !== undefined) notices.push('--no-tmpfs/--min-tmpfs: Kiln never mounts a tmpfs; the build works in TMP_DIR');

  const installType = v('installType') ?? e('DIB_DEFAULT_INSTALLTYPE') ?? 'source';
  if (installType !== 'source' && installType !== 'package') {
    throw new UsageError(`--install-type must be 'source' or 'package', not '${installType}'`);
  }
  const debugTrace = (args.counts.get('debugTrace') ?? 0) + num('DIB_DEBUG_TRACE', e('DIB_DEBUG_TRACE'), 0);
  const cacheDir = resolve(v('imageCache') ?? e('DIB_IMAGE_CACHE') ?? join(e('XDG_CACHE_HOME') ?? join(e('HOME') ?? homedir(), '.cache'), 'kiln'));
  const userPath = (e('ELEMENTS_PATH') ?? '').split(':').filter(Boolean);

  const cfg: BuildConfig = {
    elements: args.positionals,
    arch: v('arch') ?? e('ARCH') ?? hostArch,
    imageName: outPath.slice(outPath.lastIndexOf('/') + 1),
    outDir: outPath.slice(0, outPath.lastIndexOf('/')) || '/',
    imageTypes,
    debugTrace,
    compress: !on('uncompressed'),
    clearEnv,
    skipBase: on('skipBase'),
    packages: (args.values.get('packages') ?? []).flatMap((p) => p.split(',')).map((p) => p.trim()).filter(Boolean),
    checksums: parseChecksums(on('checksum') ? '1' : e('DIB_CHECKSUM')),
    imageSizeGiB: optNum('--image-size', v('imageSize') ?? e('DIB_IMAGE_SIZE')),
    imageExtraSizeMiB: optNum('--image-extra-size', v('imageExtraSize') ?? e('DIB_IMAGE_EXTRA_SIZE')),
    cacheDir,
    maxOnlineResize: optNum('--max-online-resize', v('maxOnlineResize') ?? e('MAX_ONLINE_RESIZE')),
    journalSizeMiB: optNum('--mkfs-journal-size', v('mkfsJournalSize') ?? e('DIB_JOURNAL_SIZE')) ?? 64,
    mkfsOptions: v('mkfsOptions'),
    offline: on('offline') || !!e('DIB_OFFLINE'),
    qemuImgOptions: v('qemuImgOptions') ?? e('QEMU_IMG_OPTIONS'),
    rootLabel: v('rootLabel') ?? e('ROOT_LABEL'),
    installType,
    dockerTarget: v('dockerTarget') ?? e('DOCKER_TARGET'),
    logfile: v('logfile') !== undefined ? resolve(v('logfile')!) : e('LOGFILE'),
    compression: parseCompression(v('compression') ?? e('KILN_COMPRESSION')),
    shrink: on('shrink') || e('KILN_SHRINK') === '1',
    useCache: !(on('noCache') || e('KILN_NO_CACHE') === '1'),
    bootTest: on('bootTest'),
    keepWorkspace: on('keepWorkspace') || e('KILN_KEEP_WORKSPACE') === '1',
    wait: on('wait') || e('KILN_WAIT') === '1',
    debug: on('debug') || e('KILN_DEBUG') === '1',
    tmpDir: resolve(e('TMP_DIR') ?? '/tmp'),
    elementsPath: [...userPath, builtinElements],
    epoch: num('SOURCE_DATE_EPOCH', e('SOURCE_DATE_EPOCH'), now ?? Math.floor(Date.now() / 1000)),
    env,
    notices,
  };
  return Object.freeze(cfg);
}

/** -o must end in a file name: '' or a directory would put NAME.EXT beside the directory. */
function checkImageName(value: string | undefined): string | undefined {
  if (value === '') {
    throw new UsageError("the image name is empty (DIB falls back to its default name 'image' then)", {
      where: '-o', hint: 'give -o a file name, or leave -o out for the default name image',
    });
  }
  if (value !== undefined && /(^|\/)\.{0,2}$/.test(value)) {
    throw new UsageError(`'${value}' names a directory, not an image file`, { where: '-o', hint: 'end -o with a file name, e.g. -o out/image' });
  }
  return value;
}

function parseCompression(value: string | undefined): 'zstd' | 'xz' | undefined {
  if (value === undefined || value === '') return undefined;
  if (value !== 'zstd' && value !== 'xz') throw new UsageError(`--compression must be zstd or xz, not '${value}'`);
  return value;
}

function parseChecksums(value: string | undefined): ChecksumKind[] {
  if (!value || value === '0') return [];
  if (value === '1') return ['md5', 'sha256'];
  const kinds = value.split(',').map((s) => s.trim());
  for (const k of kinds) {
    if (k !== 'md5' && k !== 'sha256') throw new UsageError(`DIB_CHECKSUM: unknown checksum '${k}'`, { hint: 'use 1, md5, sha256 or md5,sha256' });
  }
  return kinds as ChecksumKind[];
}

function optNum(name: string, value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`${name} must be a positive number, not '${value}'`);
  return n;
}

function num(name: string, value: string | undefined, dflt: number): number {
  if (value === undefined) return dflt;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`${name} must be a whole number, not '${value}'`);
  return n;
}
