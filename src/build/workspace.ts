/**
 * The build workspace: TMP_DIR/kiln-XXXXXX with the tree, the hooks, the image and every temporary
 * file of the build (tmp/). Removed after a successful build (unless --keep-workspace), never through
 * a mount point (sandbox removeTree); kept and named after a failure or an interrupt, for debugging,
 * with nothing mounted in it.
 */
import { chmodSync, mkdirSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { KilnError } from '../errors.js';

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

export function createWorkspace(tmpDir: string): Workspace {
  let root: string;
  try {
    mkdirSync(tmpDir, { recursive: true });
    root = mkdtempSync(join(tmpDir, 'kiln-'));
    // searchable, not listable: apt's sandbox user (_apt) must reach mmdebstrap's temporary tree
    // in tmp/ (else mmdebstrap downloads unsandboxed, as root); files keep their own modes
    chmodSync(root, 0o711);
  } catch (e) {
    throw new KilnError(`cannot create the build workspace in ${tmpDir}: ${(e as Error).message}`, {
      hint: 'set TMP_DIR to a writable directory with enough space',
    });
  }
  const ws: Workspace = { root, tree: join(root, 'mnt'), hooks: join(root, 'hooks'), image: join(root, 'image'), tmp: join(root, 'tmp') };
  for (const d of [ws.tree, ws.hooks, ws.image, ws.tmp]) mkdirSync(d, { recursive: true });
  return ws;
}
