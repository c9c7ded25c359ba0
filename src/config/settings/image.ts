/** What goes into the image: architecture, elements, size and root filesystem. */
import { decimal, gibSize, integer, list, oneOf, text, bool } from '../values.js';
import { setting } from './types.js';

export const IMAGE = {
  arch: setting({
    short: 'a', arg: 'value', argName: 'ARCH', env: ['ARCH'], type: text(), group: 'image', scopes: ['build'],
    default: (ctx) => {
      if (ctx.hostArch === undefined) throw new Error('readSettings: the host architecture was not given');
      return ctx.hostArch;
    },
    defaultText: 'the host architecture (dpkg --print-architecture)',
    help: 'Target architecture: amd64, arm64, i386, armhf, ...',
  }),
  skipBase: setting({ short: 'n', arg: 'none', type: bool('one'), default: false, group: 'image', scopes: ['build'], help: "Do not add the 'base' element." }),
  packages: setting({
    short: 'p', arg: 'list', argName: 'PKG[,PKG]', type: list(), default: [], group: 'image', scopes: ['build'],
    help: 'Extra packages to install in the image after install.d (repeatable).',
  }),
  imageSize: setting({
    long: 'image-size', arg: 'value', argName: 'SIZE', env: ['DIB_IMAGE_SIZE'], type: gibSize, group: 'image',
    scopes: ['build', 'environment.d', 'block-device'], commands: ['block-device create', 'plan block-device'],
    defaultText: 'computed from the tree',
    help: 'Disk size: a number of GiB (decimals allowed), as DIB, or a size with a unit: 3GiB, 2500MiB (G and M are decimal units).',
  }),
  imageExtraSize: setting({
    long: 'image-extra-size', arg: 'value', argName: 'MiB', env: ['DIB_IMAGE_EXTRA_SIZE'], type: decimal(), group: 'image',
    scopes: ['build', 'environment.d', 'block-device'],
    help: 'Free space in MiB added to the measured tree (instead of dividing it by 0.6) when the size is computed (works here; broken in DIB).',
  }),
  maxOnlineResize: setting({
    long: 'max-online-resize', arg: 'value', argName: 'BLOCKS', env: ['MAX_ONLINE_RESIZE'], type: integer(1), group: 'image',
    scopes: ['build', 'environment.d', 'block-device'],
    help: 'ext root only: -E resize=BLOCKS, the largest size the filesystem can grow to online.',
  }),
  mkfsJournalSize: setting({
    long: 'mkfs-journal-size', arg: 'value', argName: 'MiB', env: ['DIB_JOURNAL_SIZE'], type: integer(1), default: 64, group: 'image',
    scopes: ['build', 'environment.d', 'block-device'],
    help: 'ext4 root journal size in MiB, also counted in a computed image size (works here; broken in DIB).',
  }),
  mkfsOptions: setting({
    long: 'mkfs-options', arg: 'value', argName: 'OPTS', type: text(), group: 'image', scopes: ['build', 'environment.d'],
    help: 'Extra options for the root filesystem mkfs. As in DIB, a build does not read MKFS_OPTS.',
  }),
  rootLabel: setting({
    long: 'root-label', arg: 'value', argName: 'LABEL', env: ['DIB_ROOT_LABEL', 'ROOT_LABEL'], type: text(), group: 'image',
    scopes: ['build', 'environment.d', 'block-device'], defaultText: 'cloudimg-rootfs (img-rootfs for xfs)',
    help: 'Label of the root filesystem (of the mkfs_root node when the layout gives none).',
  }),
  installType: setting({
    long: 'install-type', arg: 'value', argName: 'TYPE', env: ['DIB_DEFAULT_INSTALLTYPE'], type: oneOf(['source', 'package']),
    default: 'source', group: 'image', scopes: ['build'], help: 'Default install type of elements: source or package.',
  }),
  elementInstallType: setting({
    env: ['DIB_INSTALLTYPE_<element>'], lookedUpByName: true, type: text(), group: 'image', scopes: ['build', 'environment.d'],
    defaultText: '--install-type', help: "Install type of one element (its name with '-' as '_'): picks its <prefix>-<type>-install hooks and package-installs entries.",
  }),
  pythonVersion: setting({
    env: ['DIB_PYTHON_VERSION'], lookedUpByName: true, type: text(), group: 'image', scopes: ['environment.d'],
    help: 'package-installs entries with dib_python_version are installed only when it equals this.',
  }),
  ramdiskElement: setting({
    long: 'ramdisk-element', arg: 'value', argName: 'ELEMENT', type: text(), group: 'image', scopes: ['build'],
    help: 'Ramdisk builds only (not supported yet).',
  }),
  distroName: setting({
    env: ['DISTRO_NAME'], type: text({ trim: true }), group: 'image', scopes: ['environment.d'], defaultText: 'set by the OS element',
    help: 'The distribution (debian, ...): which pkg-map entries apply.',
  }),
} as const;
