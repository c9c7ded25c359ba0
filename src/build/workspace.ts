/**
 * The build workspace: TMP_DIR/kiln-XXXXXX with the tree, the hooks, the image and every temporary
 * file of the build (tmp/), in DIB's shapes, because DIB's elements derive names from them (its
 * source-repositories takes `${TMP_MOUNT_PATH##*.}`):
 *
 *   kiln-XXXXXX/dib_build.XXXXXXXX/mnt    the tree (TMP_MOUNT_PATH; TMP_BUILD_DIR is its parent)
 *   kiln-XXXXXX/dib_build.XXXXXXXX/hooks  the merged hooks (TMP_HOOKS_PATH, as in DIB)
 *   kiln-XXXXXX/dib_image.XXXXXXXX        the image directory (TMP_IMAGE_DIR)
 *   kiln-XXXXXX/tmp                       Kiln's own temporary files
 *
 * DIB makes dib_build and dib_image side by side in TMP_DIR; Kiln keeps them under one root so a
 * build has one directory to name, keep or remove. Removed after a successful build (unless --keep-workspace), never through
 * a mount point (sandbox removeTree); kept and named after a failure or an interrupt, for debugging,
 * with nothing mounted in it.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { KilnError } from '../errors.js';

export interface Workspace {
  /** the build's private directory under TMP_DIR: the one directory cleanup removes or keeps */
  root: string;
  /** DIB's TMP_BUILD_DIR (`dib_build.XXXXXXXX`): holds the tree (mnt) and the hooks */
  build: string;
  /** the root tree (DIB's TMP_MOUNT_PATH / TARGET_ROOT) */
  tree: string;
  /** the merged hooks ($TMP_HOOKS_PATH; /tmp/in_target.d in the tree) */
  hooks: string;
  /** where the disk image is assembled (DIB's TMP_IMAGE_DIR, `dib_image.XXXXXXXX`) */
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
  // the root is private and fresh, so one random suffix (DIB's mktemp: 8 characters) cannot collide
  const suffix = randomSuffix();
  const build = join(root, `dib_build.${suffix}`);
  const ws: Workspace = {
    root,
    build,
    tree: join(build, 'mnt'),
    hooks: join(build, 'hooks'),
    image: join(root, `dib_image.${suffix}`),
    tmp: join(root, 'tmp'),
  };
  for (const d of [ws.tree, ws.hooks, ws.image, ws.tmp]) mkdirSync(d, { recursive: true });
  return ws;
}

const SUFFIX_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** Eight of mktemp's characters (letters and digits, never a dot: `${path##*.}` must stop at ours). */
function randomSuffix(): string {
  return [...randomBytes(8)].map((b) => SUFFIX_CHARS[b % SUFFIX_CHARS.length]).join('');
}
