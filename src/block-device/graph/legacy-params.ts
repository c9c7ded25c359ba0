/**
 * DIB blockdevice.py _merge_rootfs_params: the legacy disk-image-create parameters go into the mkfs
 * node NAMED `mkfs_root` only, and only where the key is absent. Runs on the graph, before the nodes
 * are parsed (as in DIB's `init`).
 */
import type { GraphConfig } from './tree-to-graph.js';

export interface RootfsParams {
  /** root-fs-type (FS_TYPE, DIB default ext4) */
  rootFsType?: string;
  /** root-fs-opts (MKFS_OPTS) */
  rootFsOpts?: string;
  /** root-label (ROOT_LABEL); null = present but unset -> cloudimg-rootfs / img-rootfs (xfs) */
  rootLabel?: string | null;
}

export function mergeRootfsParams(g: GraphConfig, p: RootfsParams): void {
  for (const e of g.entries) {
    if (e.plugin !== 'mkfs' || e.values.name !== 'mkfs_root') continue;
    const v = e.values;
    if (v.type === undefined && p.rootFsType !== undefined) v.type = p.rootFsType;
    if (v.opts === undefined && p.rootFsOpts !== undefined) v.opts = p.rootFsOpts;
    if (v.label === undefined && p.rootLabel !== undefined) {
      v.label = p.rootLabel ?? (v.type === 'xfs' ? 'img-rootfs' : 'cloudimg-rootfs');
    }
  }
}
