/** The disk layout: which block-device YAML, the root filesystem, fstab and ids. */
import { integer, oneOf, text } from '../values.js';
import { setting } from './types.js';

export const BLOCK_DEVICE = {
  blockDeviceConfig: setting({
    env: ['DIB_BLOCK_DEVICE_CONFIG'],
    type: text(),
    group: 'block-device',
    scopes: ['environment.d'],
    defaultText: "the elements' block-device-*.yaml, else one bare filesystem",
    help: 'The block-device layout: inline YAML, or file:///path/to/layout.yaml.',
  }),
  rootFsType: setting({
    env: ['DIB_ROOT_FSTYPE', 'FS_TYPE'],
    type: text({ trim: true }),
    default: 'ext4',
    group: 'block-device',
    scopes: ['environment.d', 'block-device'],
    help: 'Type of the root filesystem (the mkfs_root node, when the layout gives none).',
  }),
  mkfsOpts: setting({
    env: ['MKFS_OPTS'],
    type: text(),
    group: 'block-device',
    scopes: ['block-device'],
    help: 'Extra root mkfs options for kiln plan block-device and kiln block-device create (a build takes --mkfs-options).',
  }),
  blockSize: setting({
    env: ['DIB_BLOCK_SIZE'],
    type: integer(1),
    group: 'block-device',
    scopes: ['environment.d', 'block-device'],
    defaultText: "the layout's block_size (512)",
    help: 'Logical sector size of the disk: 512 or 4096; overrides block_size of the local_loop.',
  }),
  fstabBy: setting({
    env: ['DIB_FSTAB_BY'],
    type: oneOf(['label', 'uuid']),
    default: 'label',
    group: 'block-device',
    scopes: ['environment.d', 'block-device'],
    kiln: true,
    help: 'How /etc/fstab names filesystems: LABEL= or UUID= (vfat keeps UUID=).',
  }),
  seed: setting({
    env: ['KILN_SEED'],
    type: text(),
    group: 'block-device',
    scopes: ['environment.d', 'block-device'],
    kiln: true,
    defaultText: 'a build: SOURCE_DATE_EPOCH, -o and the elements; else the layout text',
    help: 'Seed of every derived id: partition GUIDs, filesystem UUIDs, the disk signature.',
  }),
} as const;
