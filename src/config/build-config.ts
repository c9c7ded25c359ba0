/**
 * The command line and the environment of disk-image-create / kiln build, as a frozen, typed
 * BuildConfig. The values come from readSettings() (scope 'build'): flags win over environment
 * variables, which win over defaults (as in DIB, where the flags set the variables). Settings the
 * host stages read later from the hooks' environment (the layout, grub.cfg) are read there, with
 * `flags`; they are checked here too, so a bad value fails before the build.
 */
import { resolve } from 'node:path';
import { KilnError, UsageError } from '../errors.js';
import type { ParsedArgs } from './argv.js';
import { readSettings, type FlagValues } from './read-settings.js';

export type ChecksumKind = 'md5' | 'sha256';

export interface BuildConfig {
  /** the elements named on the command line */
  elements: string[];
  /** the whole command line as given; hooks see it as DIB_ARGS (DIB: `export DIB_ARGS="$@"`) */
  argv: string[];
  /** the command line's flags, for the stages that read settings from the hooks' environment */
  flags: FlagValues;
  /** the target architecture's canonical (Debian) name; hooks see it as ARCH */
  arch: string;
  /** binfmt_misc and qemu-user-static's handler data, for a foreign-architecture build */
  binfmtDir: string;
  binfmtDataDir: string;
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
  cacheDir: string;
  offline: boolean;
  qemuImgOptions?: string;
  rootLabel?: string;
  installType: 'source' | 'package';
  dockerTarget?: string;
  /** --push REGISTRY/NAME:TAG: the container output copied to a registry after the build */
  push?: string;
  logfile?: string;
  useCache: boolean;
  /** the layer cache (KILN_NO_LAYER_CACHE, --no-cache turn it off) */
  useLayerCache: boolean;
  /** the initramfs cache (KILN_NO_INITRAMFS_CACHE, --no-cache turn it off) */
  useInitramfsCache: boolean;
  compression?: 'zstd' | 'xz';
  shrink: boolean;
  /** OVERWRITE_OLD_IMAGE: replace an existing output instead of keeping it under a dated name */
  overwrite: boolean;
  qcow2Compression?: 'zstd' | 'zlib';
  vhdSubformat: 'dynamic' | 'fixed';
  squashCompression: 'xz' | 'zstd';
  gzipBin: string;
  bootTest: boolean;
  /** --json: the build's result as JSON on stdout (src/cli/build-result.ts) */
  json: boolean;
  keepWorkspace: boolean;
  /** --wait: wait for another build holding the output lock instead of failing */
  wait: boolean;
  debug: boolean;
  /** DIB_QUIET: undefined = decided by --logfile and the progress display */
  quiet?: boolean;
  noTimestamp: boolean;
  /** CI: no progress display */
  ci: boolean;
  /** break=...: where to open a debug shell, its command, and whether in-target breaks stay on the host */
  breaks: string[];
  breakCmd?: string;
  breakOutsideTarget: boolean;
  tmpDir: string;
  /** PATH: where host tools are looked up */
  hostPath: string;
  elementsPath: string[];
  /** SOURCE_DATE_EPOCH, else the build's start: the image's clock and the seed of its ids */
  epoch: number;
  /** SOURCE_DATE_EPOCH as the user set it (the hooks see `epoch` under that name, set or not) */
  sourceDateEpoch?: number;
  /** --pin: the record (NAME.d/pin.json) to rebuild from */
  pinFile?: string;
  /** what the hooks see: DIB_* and friends (the host environment unless -c) */
  env: Readonly<Record<string, string>>;
  /** notices logged at the start: options accepted for compatibility that do nothing in Kiln, what --pin took from its record */
  notices: string[];
}

export interface ConfigInputs {
  args: ParsedArgs;
  env: Record<string, string | undefined>;
  hostArch: string;
  builtinElements: string;
  /** seconds since the epoch: the image's clock when SOURCE_DATE_EPOCH is not set */
  now?: number;
  /** --pin: the recorded build's epoch and where it came from (the CLI reads the record) */
  pinnedEpoch?: (file: string) => { epoch: number; source: string };
}

/** What -c keeps of the environment (dib-migration: DIB's -c is broken; this is what it meant). */
const KEPT_BY_CLEAR_ENV = ['PATH', 'HOME', 'USER', 'TERM', 'LANG', 'ELEMENTS_PATH', 'TMP_DIR', 'SOURCE_DATE_EPOCH'];

export function createBuildConfig({ args, env: hostEnv, hostArch, builtinElements, now, pinnedEpoch }: ConfigInputs): BuildConfig {
  if (args.positionals.length === 0) {
    throw new UsageError('At least one distribution root element must be specified', { hint: 'e.g. disk-image-create debian-minimal vm' });
  }
  // -c decides which environment the settings come from, so it is looked at first
  const clearEnv = (args.counts.get('clearEnv') ?? 0) > 0;
  const env: Record<string, string> = {};
  for (const [k, val] of Object.entries(hostEnv)) {
    if (val !== undefined && (!clearEnv || KEPT_BY_CLEAR_ENV.includes(k))) env[k] = val;
  }
  const s = readSettings(env, args, 'build', { hostArch });
  if (s.ramdiskElement !== undefined) {
    throw new KilnError('--ramdisk-element: ramdisk images are not supported yet', { hint: 'build a disk image without --ramdisk-element' });
  }
  const notices: string[] = [];
  if (s.pinMirror !== undefined) {
    if (s.pin === undefined) throw new UsageError('--pin-mirror needs --pin FILE', { hint: 'or set DIB_DISTRIBUTION_MIRROR' });
    // the snapshot is the build's mirror: the bootstrap's and the hooks' (as DIB_DISTRIBUTION_MIRROR)
    delete env.DIB_DEBIAN_DISTRIBUTION_MIRROR;
    env.DIB_DISTRIBUTION_MIRROR = s.pinMirror;
  }
  // a record of a build made with SOURCE_DATE_EPOCH is rebuilt with it: mmdebstrap, the bootstrap
  // and layer keys and the initramfs cache saw it there, so they must here
  let sourceDateEpoch = s.sourceDateEpoch;
  if (s.pin !== undefined && sourceDateEpoch === undefined && pinnedEpoch) {
    const recorded = pinnedEpoch(s.pin);
    if (recorded.source === 'SOURCE_DATE_EPOCH') {
      sourceDateEpoch = recorded.epoch;
      notices.push(`--pin: SOURCE_DATE_EPOCH=${recorded.epoch}, as the recorded build had it`);
    }
  }
  if (s.noTmpfs || s.minTmpfs !== undefined) notices.push('--no-tmpfs/--min-tmpfs: Kiln never mounts a tmpfs; the build works in TMP_DIR');

  const imageTypes = s.imageTypes;
  let name = s.imageName;
  if (imageTypes.length === 1 && name.endsWith(`.${imageTypes[0]}`)) name = name.slice(0, -(imageTypes[0]!.length + 1));
  const outPath = resolve(name);

  const cfg: BuildConfig = {
    // as DIB, which word-splits its unquoted element list: wrappers pass "a b" in one argument, or ''
    elements: args.positionals.flatMap((p) => p.split(/[ \t\n]+/).filter((w) => w !== '')),
    argv: [...args.argv],
    flags: args,
    arch: s.arch,
    binfmtDir: s.binfmtDir,
    binfmtDataDir: s.binfmtDataDir,
    imageName: outPath.slice(outPath.lastIndexOf('/') + 1),
    outDir: outPath.slice(0, outPath.lastIndexOf('/')) || '/',
    imageTypes,
    debugTrace: s.debugTrace,
    compress: !s.uncompressed,
    clearEnv,
    skipBase: s.skipBase,
    packages: s.packages,
    checksums: s.checksum,
    cacheDir: s.imageCache,
    offline: s.offline,
    ...(s.qemuImgOptions !== undefined ? { qemuImgOptions: s.qemuImgOptions } : {}),
    ...(s.rootLabel !== undefined ? { rootLabel: s.rootLabel } : {}),
    installType: s.installType,
    ...(s.dockerTarget !== undefined ? { dockerTarget: s.dockerTarget } : {}),
    ...(s.push ? { push: s.push } : {}),
    ...(s.logfile !== undefined ? { logfile: s.logfile } : {}),
    ...(s.compression !== undefined ? { compression: s.compression } : {}),
    shrink: s.shrink,
    overwrite: s.overwriteOldImage,
    ...(s.qcow2Compression !== undefined ? { qcow2Compression: s.qcow2Compression } : {}),
    vhdSubformat: s.vhdSubformat,
    squashCompression: s.squashCompression,
    gzipBin: s.gzipBin,
    useCache: !s.noCache,
    useLayerCache: !s.noCache && !s.noLayerCache,
    useInitramfsCache: !s.noCache && !s.noInitramfsCache,
    bootTest: s.bootTest,
    json: s.json === true,
    keepWorkspace: s.keepWorkspace,
    wait: s.wait,
    debug: s.debug,
    ...(s.quiet !== undefined ? { quiet: s.quiet } : {}),
    noTimestamp: s.noTimestamp,
    ci: s.ci,
    breaks: s.breaks,
    ...(s.breakCmd !== undefined ? { breakCmd: s.breakCmd } : {}),
    breakOutsideTarget: s.breakOutsideTarget,
    tmpDir: s.tmpDir,
    hostPath: s.hostPath,
    elementsPath: [...s.elementsPath, builtinElements],
    epoch: sourceDateEpoch ?? now ?? Math.floor(Date.now() / 1000),
    ...(sourceDateEpoch !== undefined ? { sourceDateEpoch } : {}),
    ...(s.pin !== undefined ? { pinFile: s.pin } : {}),
    env,
    notices,
  };
  return Object.freeze(cfg);
}
