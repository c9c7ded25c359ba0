/**
 * Cross-node checks that DIB makes or leaves to runtime failures, for every node type alike: what a
 * base may be, one user per block device, one mount per filesystem and one fstab per mount. Each
 * node type's own rules (labels, mount points, slot counts...) are its handler's check(); the layout
 * checks (fit) are in the planners. Problems are collected with the node's file:line.
 */
import { KilnError } from '../../errors.js';
import { HANDLERS, KIND_NAMES } from './registry.js';
import type { PluginName } from './tree-to-graph.js';
import type { DeviceUse, NodeContext, ResolvedConfig } from './types.js';

/** The order the node types' own checks run in (their problems are listed in it); every type has one. */
const CHECK_RANK: Record<PluginName, number> = { mkfs: 0, mount: 1, local_loop: 2, partitioning: 3, lvm: 4, fstab: 5 };

export function validateResolved(r: ResolvedConfig, ctx: NodeContext): void {
  const push = (msg: string, where: string, hint?: string): void => {
    ctx.problems.push(new KilnError(msg, hint ? { where, hint } : { where }));
  };
  for (const h of HANDLERS) {
    for (const ref of h.nodes(r).flatMap((n) => h.bases?.(n) ?? [])) {
      const b = r.nodes.get(ref.base);
      if (b && !ref.kinds.includes(b.kind)) {
        push(`${ref.node}: base '${ref.base}' is a ${KIND_NAMES[b.kind]}, expected ${ref.kinds.map((k) => KIND_NAMES[k]).join(' or ')}`, ref.where);
      }
    }
  }

  // One consumer per block device: two tables, filesystems or PVs on one device would overlap.
  const users = new Map<string, DeviceUse[]>();
  for (const h of HANDLERS) {
    for (const u of h.nodes(r).flatMap((n) => h.devices?.(n) ?? [])) users.set(u.device, [...(users.get(u.device) ?? []), u]);
  }
  for (const [dev, us] of users) {
    if (us.length > 1)
      push(
        `block device '${dev}' is used by ${us.map((u) => u.user).join(' and ')}: they would overlap`,
        us[1]!.where,
        'give each its own partition or logical volume',
      );
  }
  for (const h of HANDLERS) {
    if (!h.onePerBase) continue;
    const seen = new Map<string, string>();
    for (const x of h.nodes(r).map((n) => h.onePerBase!(n))) {
      const prev = seen.get(x.base);
      if (prev) push(`${h.plugin} ${x.name}: '${x.base}' already has ${h.plugin} ${prev}`, x.where);
      else seen.set(x.base, x.name);
    }
  }

  for (const h of [...HANDLERS].sort((a, b) => CHECK_RANK[a.plugin] - CHECK_RANK[b.plugin])) h.check?.(r, ctx);
}

/**
 * A build puts its tree into the filesystem mounted at /: without one the image would hold none of
 * it (DIB copies the tree into an unmounted directory then, and the image is empty). Checked for
 * builds and `block-device create --root`; a layout without a tree may have no filesystem at all.
 */
export function validateRootMount(r: ResolvedConfig, ctx: NodeContext, file: string): void {
  if (r.mounts.some((m) => m.mountPoint === '/')) return;
  const others = r.mounts.filter((m) => m.mountPoint !== 'none').map((m) => m.mountPoint);
  ctx.problems.push(
    new KilnError(`no filesystem is mounted at /: the image would hold none of the tree${others.length ? ` (mounted: ${others.join(', ')})` : ''}`, {
      where: r.mkfs[0]?.where ?? r.images[0]?.where ?? `${file}:1`,
      hint: 'mount the filesystem for the root tree at /, e.g. mkfs: {name: mkfs_root, type: ext4, mount: {mount_point: /}}',
    }),
  );
}
