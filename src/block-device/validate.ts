/**
 * Cross-node checks that DIB makes (labels, mount points) plus the ones it leaves to runtime
 * failures (what a base may be, one consumer per block device, slot counts). Problems are collected
 * with the node's file:line; the layout checks (fit) are in plan-*.ts.
 */
import { KilnError } from '../errors.js';
import type { FsTypeName } from './plan-types.js';
import type { GraphNode, NodeContext, ResolvedConfig } from './nodes/types.js';

/** DIB mkfs.py file_system_max_label_length, plus swap (mkswap: 16) and fat (as vfat). */
export const MAX_LABEL: Partial<Record<FsTypeName, number>> = { ext2: 16, ext3: 16, ext4: 16, xfs: 12, vfat: 11, fat: 11, swap: 16 };

const KIND_NAMES: Record<GraphNode['kind'], string> = {
  image: 'local_loop', partition: 'partition', pv: 'lvm pv', vg: 'lvm vg', lv: 'logical volume', lvm: 'lvm', mkfs: 'mkfs', mount: 'mount', fstab: 'fstab',
};

export function validateResolved(r: ResolvedConfig, ctx: NodeContext): void {
  const push = (msg: string, where: string, hint?: string): void => { ctx.problems.push(new KilnError(msg, hint ? { where, hint } : { where })); };
  const expectBase = (n: GraphNode & { base: string }, kinds: GraphNode['kind'][]): void => {
    const b = r.nodes.get(n.base);
    if (b && !kinds.includes(b.kind)) {
      push(`${KIND_NAMES[n.kind]} ${n.name}: base '${n.base}' is a ${KIND_NAMES[b.kind]}, expected ${kinds.map((k) => KIND_NAMES[k]).join(' or ')}`, n.where);
    }
  };
  for (const t of r.tables) {
    const b = r.nodes.get(t.base);
    if (b && b.kind !== 'image') push(`partitioning ${t.name}: base '${t.base}' is a ${KIND_NAMES[b.kind]}, expected local_loop`, t.where);
  }
  for (const p of r.lvms.flatMap((l) => l.pvs)) expectBase(p, ['partition']);
  for (const m of r.mkfs) expectBase(m, ['partition', 'lv', 'image']);
  for (const m of r.mounts) expectBase(m, ['mkfs']);
  for (const f of r.fstabs) expectBase(f, ['mount']);

  // One consumer per block device: two tables, filesystems or PVs on one device would overlap.
  const users = new Map<string, { name: string; where: string }[]>();
  const use = (dev: string, name: string, where: string): void => { users.set(dev, [...(users.get(dev) ?? []), { name, where }]); };
  for (const t of r.tables) use(t.base, `partitioning ${t.name}`, t.where);
  for (const p of r.lvms.flatMap((l) => l.pvs)) use(p.base, `pv ${p.name}`, p.where);
  for (const m of r.mkfs) use(m.base, `mkfs ${m.name}`, m.where);
  for (const [dev, us] of users) {
    if (us.length > 1) push(`block device '${dev}' is used by ${us.map((u) => u.name).join(' and ')}: they would overlap`, us[1]!.where, 'give each its own partition or logical volume');
  }
  const onlyOnce = (kind: string, list: { base: string; name: string; where: string }[]): void => {
    const seen = new Map<string, string>();
    for (const x of list) {
      const prev = seen.get(x.base);
      if (prev) push(`${kind} ${x.name}: '${x.base}' already has ${kind} ${prev}`, x.where);
      else seen.set(x.base, x.name);
    }
  };
  onlyOnce('mount', r.mounts);
  onlyOnce('fstab', r.fstabs);

  const labels = new Map<string, string>();
  for (const m of r.mkfs) {
    if (labels.has(m.label)) push(`File system label [${m.label}] used more than once`, m.where, `also used by mkfs ${labels.get(m.label)}; set label: to a unique value`);
    else labels.set(m.label, m.name);
    const max = MAX_LABEL[m.type];
    if (max !== undefined && m.label.length > max) {
      push(`Label [${m.label}] too long for filesystem [${m.type}]: ${m.label.length} > ${max}`, m.where, `set a label of at most ${max} characters`);
    }
  }
  const mps = new Map<string, string>();
  for (const m of r.mounts) {
    if (m.mountPoint === 'none') continue;
    if (mps.has(m.mountPoint)) push(`Mount point [${m.mountPoint}] specified more than once`, m.where, `also mounted by ${mps.get(m.mountPoint)}`);
    else mps.set(m.mountPoint, m.name);
  }
  if (r.images.length > 1) push(`only one local_loop is supported, found ${r.images.map((i) => i.name).join(', ')}`, r.images[1]!.where);
  for (const i of r.images) {
    if (i.blockSize !== undefined && i.blockSize !== 512 && i.blockSize !== 4096) push(`local_loop ${i.name}: block_size ${i.blockSize} is not supported`, i.where, 'use 512 or 4096');
  }
  for (const t of r.tables) {
    if (t.label === 'mbr') {
      const primaries = t.partitions.filter((p) => p.flags.includes('primary')).length;
      const logicals = t.partitions.length - primaries;
      if (primaries + (logicals > 0 ? 1 : 0) > 4) {
        push(`MBR ${t.name}: ${primaries} primary partitions${logicals ? ' plus the extended container' : ''} do not fit in 4 slots`, t.where, 'use logical partitions (no primary flag) or a GPT label');
      }
    } else {
      for (const p of t.partitions) {
        if (p.name.length > 36) push(`GPT partition name '${p.name}' is longer than 36 characters`, p.where);
      }
    }
  }
  for (const lv of r.lvms.flatMap((l) => l.lvs)) {
    if (lv.lvType !== undefined || lv.thinPool !== undefined) {
      push(`lv ${lv.name}: thin provisioning is not supported yet`, lv.where, 'use plain (linear) logical volumes with size: or extents:');
    }
  }
}

/**
 * A build puts its tree into the filesystem mounted at /: without one the image would hold none of
 * it (DIB copies the tree into an unmounted directory then, and the image is empty). Checked for
 * builds and `block-device create --root`; a layout without a tree may have no filesystem at all.
 */
export function validateRootMount(r: ResolvedConfig, ctx: NodeContext, file: string): void {
  if (r.mounts.some((m) => m.mountPoint === '/')) return;
  const others = r.mounts.filter((m) => m.mountPoint !== 'none').map((m) => m.mountPoint);
  ctx.problems.push(new KilnError(`no filesystem is mounted at /: the image would hold none of the tree${others.length ? ` (mounted: ${others.join(', ')})` : ''}`, {
    where: r.mkfs[0]?.where ?? r.images[0]?.where ?? `${file}:1`,
    hint: 'mount the filesystem for the root tree at /, e.g. mkfs: {name: mkfs_root, type: ext4, mount: {mount_point: /}}',
  }));
}
