/** The filesystem request and context shared by the mkfs registry (index.ts) and its makers. */
import type { Runner } from '../../exec/runner.js';
import type { Identity } from '../../sandbox/identity.js';
import type { Logger } from '../../log.js';
import type { Bytes } from '../../units.js';
import type { FsTypeName } from '../common/plan-types.js';

export type FsType = FsTypeName;
export const FS_TYPES: readonly FsType[] = ['ext2', 'ext3', 'ext4', 'vfat', 'fat', 'xfs', 'btrfs', 'swap'];

export interface MkfsRequest {
  /** region of `image` to fill */
  image: string;
  offsetBytes: Bytes;
  sizeBytes: Bytes;
  /** populate from this directory (absent: empty fs) */
  sourceDir?: string;
  type: FsType;
  label?: string;
  uuid?: string;
  /** extra mkfs options (DIB 'opts', already split on spaces) */
  opts: string[];
  /** SOURCE_DATE_EPOCH for reproducible timestamps */
  epoch: number;
  /** for any other id (hash_seed, volume serial) */
  seed: string;
  /**
   * SELinux labels to write after mkfs (the filesystem's own absolute paths -> context), when the
   * source tree could not hold them as xattrs; only ext2/3/4 can take them (ext-labels.ts)
   */
  selinuxLabels?: ReadonlyMap<string, string>;
}

export interface MkfsContext {
  runner: Runner;
  identity: Identity;
  log: Logger;
}
