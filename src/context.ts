/** BuildContext: what every stage of a build gets. Below every stage; imports none of them. */
import type { CleanupStack } from './cleanup.js';
import type { BuildConfig } from './config/build-config.js';
import type { Runner } from './exec/runner.js';
import type { Logger } from './log.js';
import type { Identity } from './sandbox/identity.js';

export interface Workspace {
  /** the build's private directory under TMP_DIR */
  root: string;
  /** the root tree (DIB's TMP_MOUNT_PATH / TARGET_ROOT) */
  tree: string;
  /** the merged hooks ($TMP_HOOKS_PATH; /tmp/in_target.d in the tree) */
  hooks: string;
  /** where the disk image is assembled (DIB's TMP_IMAGE_DIR) */
  image: string;
  /** Kiln's and its tools' temporary files (mmdebstrap's tree, GRUB images, scratch filesystems) */
  tmp: string;
}

export interface BuildContext {
  config: BuildConfig;
  runner: Runner;
  log: Logger;
  identity: Identity;
  cleanup: CleanupStack;
  ws: Workspace;
}
