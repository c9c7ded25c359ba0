/** What is written: output names, formats, compression and checksums. */
import { UsageError } from '../../errors.js';
import { bool, list, oneOf, someOf, text, type ValueType } from '../values.js';
import { setting } from './types.js';

/** -o must end in a file name: '' or a directory would put NAME.EXT beside the directory. */
const outputName: ValueType<string> = {
  doc: 'a file name, may include a directory',
  yargs: 'string',
  parse(value) {
    if (value === '') {
      throw new UsageError("the image name is empty (DIB falls back to its default name 'image' then)", {
        hint: 'give -o a file name, or leave -o out for the default name image',
      });
    }
    if (/(^|\/)\.{0,2}$/.test(value))
      throw new UsageError(`'${value}' names a directory, not an image file`, { hint: 'end -o with a file name, e.g. -o out/image' });
    return value;
  },
};

export const OUTPUT = {
  imageName: setting({
    short: 'o',
    arg: 'value',
    argName: 'NAME',
    env: ['IMAGE_NAME'],
    type: outputName,
    default: 'image',
    group: 'output',
    scopes: ['build'],
    help: 'Output name (may include a directory). With exactly one -t type, a trailing .TYPE is stripped.',
  }),
  imageTypes: setting({
    short: 't',
    arg: 'value',
    argName: 'TYPES',
    env: ['IMAGE_TYPES'],
    type: list(),
    default: ['qcow2'],
    group: 'output',
    scopes: ['build'],
    help: 'Comma-separated output types: qcow2, raw, vhd, vhdx, vmdk, tar, tgz, docker, oci, squash.',
  }),
  uncompressed: setting({
    short: 'u',
    arg: 'none',
    type: bool('one'),
    default: false,
    group: 'output',
    scopes: ['build'],
    help: 'Do not compress qcow2 images.',
  }),
  checksum: setting({
    long: 'checksum',
    arg: 'none',
    env: ['DIB_CHECKSUM'],
    type: someOf(['md5', 'sha256'], { 1: ['md5', 'sha256'], 0: [] }),
    default: [],
    defaultText: 'off',
    group: 'output',
    scopes: ['build'],
    help: 'Write NAME.EXT.md5 and NAME.EXT.sha256 beside every output (DIB_CHECKSUM=md5, sha256 or md5,sha256 picks them; 1 is both).',
  }),
  qemuImgOptions: setting({
    long: 'qemu-img-options',
    arg: 'value',
    argName: 'K=V,...',
    env: ['QEMU_IMG_OPTIONS'],
    type: text(),
    group: 'output',
    scopes: ['build'],
    help: 'Options passed to qemu-img convert -o.',
  }),
  dockerTarget: setting({
    long: 'docker-target',
    arg: 'value',
    argName: 'REPO:TAG',
    env: ['DOCKER_TARGET'],
    type: text(),
    group: 'output',
    scopes: ['build'],
    help: 'Repository and tag of the docker output (required with -t docker).',
  }),
  push: setting({
    long: 'push',
    arg: 'value',
    argName: 'REGISTRY/NAME:TAG',
    env: ['KILN_PUSH'],
    type: text({ trim: true }),
    group: 'output',
    scopes: ['build'],
    kiln: true,
    help: 'After the build, copy the container image (the oci output, else the docker one) to a registry with skopeo copy; skopeo login gives the credentials.',
  }),
  compression: setting({
    long: 'compression',
    arg: 'value',
    argName: 'zstd|xz',
    env: ['KILN_COMPRESSION'],
    type: oneOf(['zstd', 'xz']),
    group: 'output',
    scopes: ['build'],
    kiln: true,
    help: 'Compress the raw and tar outputs (NAME.raw.zst, NAME.tar.xz), multithreaded.',
  }),
  shrink: setting({
    long: 'shrink',
    arg: 'none',
    env: ['KILN_SHRINK'],
    type: bool('one'),
    default: false,
    group: 'output',
    scopes: ['build'],
    kiln: true,
    help: 'Shrink a raw image with one ext root partition to its minimum before the disk formats are written.',
  }),
  bootTest: setting({
    long: 'boot-test',
    arg: 'none',
    type: bool('one'),
    default: false,
    group: 'output',
    scopes: ['build'],
    kiln: true,
    help: 'Boot the image in QEMU after the build and wait for the login prompt (see kiln boot-test).',
  }),
  overwriteOldImage: setting({
    env: ['OVERWRITE_OLD_IMAGE'],
    type: bool('nonZero'),
    default: false,
    group: 'output',
    scopes: ['build'],
    help: 'Replace an existing output; otherwise it is kept as NAME-YYYY.MM.DD-HH.MM.SS.EXT (with its checksums).',
  }),
  qcow2Compression: setting({
    env: ['DIB_QCOW2_COMPRESSION'],
    type: oneOf(['zstd', 'zlib']),
    group: 'output',
    scopes: ['build'],
    kiln: true,
    defaultText: 'zstd when the host qemu-img can write it, else zlib',
    help: 'Compression of the qcow2 output (zlib for old readers).',
  }),
  vhdSubformat: setting({
    env: ['DIB_VHD_SUBFORMAT'],
    type: oneOf(['dynamic', 'fixed']),
    default: 'dynamic',
    group: 'output',
    scopes: ['build'],
    kiln: true,
    help: 'Subformat of the vhd output; Azure needs fixed.',
  }),
  squashCompression: setting({
    env: ['DIB_SQUASHFS_COMPRESSION'],
    type: oneOf(['xz', 'zstd']),
    default: 'xz',
    group: 'output',
    scopes: ['build'],
    kiln: true,
    help: 'Compressor of the squash output.',
  }),
  gzipBin: setting({
    env: ['DIB_GZIP_BIN'],
    type: text({ trim: true }),
    default: 'gzip',
    group: 'output',
    scopes: ['build'],
    help: 'The compressor of the tgz output, run with -9 -n (pigz works).',
  }),
} as const;
