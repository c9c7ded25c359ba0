/**
 * The build workspace: TMP_DIR/kiln-XXXXXX with the tree, the hooks and the image. Removed after a
 * successful build (unless --keep-workspace), never through a mount point (sandbox removeTree);
 * kept and named after a failure, for debugging, with nothing mounted in it.
 */
import { mkdirSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { KilnError } from '../errors.js';
import type { Workspace } from '../context.js';

export function createWorkspace(tmpDir: string): Workspace {
  let root: string;
  try {
    mkdirSync(tmpDir, { recursive: true });
    root = mkdtempSync(join(tmpDir, 'kiln-'));
  } catch (e) {
    throw new KilnError(`cannot create the build workspace in ${tmpDir}: ${(e as Error).message}`, {
      hint: 'set TMP_DIR to a writable directory with enough space',
    });
  }
  const ws: Workspace = { root, tree: join(root, 'mnt'), hooks: join(root, 'hooks'), image: join(root, 'image') };
  for (const d of [ws.tree, ws.hooks, ws.image]) mkdirSync(d, { recursive: true });
  return ws;
}
