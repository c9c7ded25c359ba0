/**
 * Every disk-image-create option, declared once: flag(s), the DIB variable it sets, its default and
 * its help. The argv parser, the help page, the environment reader and docs/user-guide.md all come
 * from this table (dib-compat 1.1). Kiln's own options are marked `kiln: true`.
 */
export type SettingArg = 'none' | 'value' | 'count' | 'list';

export interface Setting {
  key: string;
  short?: string;
  long?: string;
  arg: SettingArg;
  argName?: string;
  /** the DIB/Kiln environment variable that supplies (or receives) this setting */
  env?: string;
  defaultText?: string;
  help: string;
  kiln?: boolean;
  group: 'image' | 'build' | 'output' | 'debug' | 'info';
}

export const SETTINGS: readonly Setting[] = [
  { key: 'arch', short: 'a', arg: 'value', argName: 'ARCH', env: 'ARCH', group: 'image',
    defaultText: 'the host architecture (dpkg --print-architecture)', help: 'Target architecture: amd64, arm64, i386, armhf, ...' },
  { key: 'imageName', short: 'o', arg: 'value', argName: 'NAME', env: 'IMAGE_NAME', group: 'output', defaultText: 'image',
    help: 'Output name (may include a directory). With exactly one -t type, a trailing .TYPE is stripped.' },
  { key: 'imageTypes', short: 't', arg: 'value', argName: 'TYPES', env: 'IMAGE_TYPES', group: 'output', defaultText: 'qcow2',
    help: 'Comma-separated output types: qcow2, raw, vhd, vhdx, vmdk, tar, tgz, docker, oci, squash.' },
  { key: 'debugTrace', short: 'x', arg: 'count', env: 'DIB_DEBUG_TRACE', group: 'debug', defaultText: '0',
    help: 'Trace hook scripts (set -x); repeat for more detail.' },
  { key: 'uncompressed', short: 'u', arg: 'none', group: 'output', help: 'Do not compress qcow2 images.' },
  { key: 'clearEnv', short: 'c', arg: 'none', group: 'build',
    help: 'Clear the environment: hooks see only the variables Kiln sets and the DIB_* given on this command line.' },
  { key: 'skipBase', short: 'n', arg: 'none', group: 'image', help: "Do not add the 'base' element." },
  { key: 'packages', short: 'p', arg: 'list', argName: 'PKG[,PKG]', group: 'image',
    help: 'Extra packages to install in the image after install.d (repeatable).' },
  { key: 'checksum', long: 'checksum', arg: 'none', env: 'DIB_CHECKSUM', group: 'output', defaultText: 'off',
    help: 'Write NAME.EXT.md5 and NAME.EXT.sha256 beside every output (DIB_CHECKSUM=md5|sha256 picks one).' },
  { key: 'imageSize', long: 'image-size', arg: 'value', argName: 'GiB', env: 'DIB_IMAGE_SIZE', group: 'image',
    defaultText: 'computed from the tree', help: 'Disk size in GiB (decimals allowed).' },
  { key: 'imageExtraSize', long: 'image-extra-size', arg: 'value', argName: 'MiB', env: 'DIB_IMAGE_EXTRA_SIZE', group: 'image',
    help: 'Free space in MiB added to the measured tree size when the size is computed (works here; broken in DIB).' },
  { key: 'imageCache', long: 'image-cache', arg: 'value', argName: 'DIR', env: 'DIB_IMAGE_CACHE', group: 'build',
    defaultText: '$XDG_CACHE_HOME/kiln', help: 'Cache directory (bootstrap tarballs, element caches).' },
  { key: 'maxOnlineResize', long: 'max-online-resize', arg: 'value', argName: 'BLOCKS', env: 'MAX_ONLINE_RESIZE', group: 'image',
    help: 'ext4 root only: -E resize=BLOCKS, the largest size the filesystem can grow to online.' },
  { key: 'minTmpfs', long: 'min-tmpfs', arg: 'value', argName: 'GiB', env: 'DIB_MIN_TMPFS', group: 'build', defaultText: '2',
    help: 'Accepted for compatibility. Kiln never mounts a tmpfs (it needs no privileges); the build works in TMP_DIR.' },
  { key: 'mkfsJournalSize', long: 'mkfs-journal-size', arg: 'value', argName: 'MiB', env: 'DIB_JOURNAL_SIZE', group: 'image',
    defaultText: '64', help: 'ext4 root journal size in MiB (works here; broken in DIB).' },
  { key: 'mkfsOptions', long: 'mkfs-options', arg: 'value', argName: 'OPTS', group: 'image',
    help: 'Extra options for the root filesystem mkfs.' },
  { key: 'noTmpfs', long: 'no-tmpfs', arg: 'none', env: 'DIB_NO_TMPFS', group: 'build',
    help: 'Accepted for compatibility: Kiln always builds on disk in TMP_DIR.' },
  { key: 'offline', long: 'offline', arg: 'none', env: 'DIB_OFFLINE', group: 'build',
    help: 'Use caches only: reuse the cached bootstrap even when it may be stale; never download.' },
  { key: 'qemuImgOptions', long: 'qemu-img-options', arg: 'value', argName: 'K=V,...', env: 'QEMU_IMG_OPTIONS', group: 'output',
    help: 'Options passed to qemu-img convert -o.' },
  { key: 'ramdiskElement', long: 'ramdisk-element', arg: 'value', argName: 'ELEMENT', env: 'RAMDISK_ELEMENT', group: 'image',
    help: 'Ramdisk builds only (not supported yet).' },
  { key: 'rootLabel', long: 'root-label', arg: 'value', argName: 'LABEL', env: 'ROOT_LABEL', group: 'image',
    defaultText: 'cloudimg-rootfs (img-rootfs for xfs)', help: 'Label of the root filesystem.' },
  { key: 'installType', long: 'install-type', arg: 'value', argName: 'TYPE', env: 'DIB_DEFAULT_INSTALLTYPE', group: 'image',
    defaultText: 'source', help: 'Default install type of elements: source or package.' },
  { key: 'dockerTarget', long: 'docker-target', arg: 'value', argName: 'REPO:TAG', env: 'DOCKER_TARGET', group: 'output',
    help: 'Repository and tag of the docker output (required with -t docker).' },
  { key: 'logfile', long: 'logfile', arg: 'value', argName: 'FILE', env: 'LOGFILE', group: 'debug',
    help: 'Write the full build log to FILE (the console then shows progress only, unless DIB_QUIET=0).' },
  { key: 'compression', long: 'compression', arg: 'value', argName: 'zstd|xz', env: 'KILN_COMPRESSION', group: 'output', kiln: true,
    help: 'Compress the raw and tar outputs (NAME.raw.zst, NAME.tar.xz), multithreaded.' },
  { key: 'shrink', long: 'shrink', arg: 'none', env: 'KILN_SHRINK', group: 'output', kiln: true,
    help: 'Shrink a raw image with one ext root partition to its minimum before the disk formats are written.' },
  { key: 'noCache', long: 'no-cache', arg: 'none', env: 'KILN_NO_CACHE', group: 'build', kiln: true,
    help: 'Do not reuse or store cached bootstraps.' },
  { key: 'bootTest', long: 'boot-test', arg: 'none', group: 'output', kiln: true,
    help: 'Boot the image in QEMU after the build and wait for the login prompt (see kiln boot-test).' },
  { key: 'wait', long: 'wait', arg: 'none', env: 'KILN_WAIT', group: 'build', kiln: true,
    help: 'If another build is writing the same outputs (-o), wait for it to finish instead of failing.' },
  { key: 'keepWorkspace', long: 'keep-workspace', arg: 'none', env: 'KILN_KEEP_WORKSPACE', group: 'debug', kiln: true,
    help: 'Keep the build workspace after a successful build.' },
  { key: 'debug', long: 'debug', arg: 'none', env: 'KILN_DEBUG', group: 'debug', kiln: true,
    help: 'Show debug logging and stack traces.' },
  { key: 'version', long: 'version', arg: 'none', group: 'info', help: 'Print the version and exit.' },
  { key: 'help', short: 'h', long: 'help', arg: 'none', group: 'info', help: 'Show this help and exit.' },
];

export function settingByKey(key: string): Setting {
  const s = SETTINGS.find((x) => x.key === key);
  if (!s) throw new Error(`unknown setting ${key}`);
  return s;
}
