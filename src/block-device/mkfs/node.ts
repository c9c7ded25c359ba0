/**
 * mkfs (DIB diskimage_builder/block_device/level2/mkfs.py): a filesystem on a partition, an LV or the
 * whole image. label defaults to the node name, upper-cased for vfat/fat; labels are unique and
 * length-limited; opts split on spaces. Planned in plan.ts, made by index.ts (makeFilesystem).
 */
import type { FsTypeName } from '../common/plan-types.js';
import { asText, problem, warnUnknownKeys } from '../common/read.js';
import type { GraphEntry } from '../graph/tree-to-graph.js';
import type { MkfsNode, NodeContext, NodeHandler } from '../graph/types.js';
import { FS_TYPES } from './types.js';

/** DIB mkfs.py file_system_max_label_length, plus swap (mkswap: 16) and fat (as vfat). */
export const MAX_LABEL: Partial<Record<FsTypeName, number>> = { ext2: 16, ext3: 16, ext4: 16, xfs: 12, vfat: 11, fat: 11, swap: 16 };

export const mkfsHandler: NodeHandler<MkfsNode, MkfsNode> = {
  plugin: 'mkfs',
  kinds: { mkfs: 'mkfs' },
  parse: parseMkfsNode,
  add(n, r) {
    r.mkfs.push(n);
    return [n];
  },
  nodes: (r) => r.mkfs,
  edges: (m) => [{ from: m.base, to: m.name }],
  bases: (m) => [{ node: `mkfs ${m.name}`, base: m.base, kinds: ['partition', 'lv', 'image'], where: m.where }],
  devices: (m) => [{ device: m.base, user: `mkfs ${m.name}`, where: m.where }],
  check(r, ctx) {
    const labels = new Map<string, string>();
    for (const m of r.mkfs) {
      if (labels.has(m.label))
        problem(ctx, `File system label [${m.label}] used more than once`, m.where, `also used by mkfs ${labels.get(m.label)}; set label: to a unique value`);
      else labels.set(m.label, m.name);
      const max = MAX_LABEL[m.type];
      if (max !== undefined && m.label.length > max) {
        problem(ctx, `Label [${m.label}] too long for filesystem [${m.type}]: ${m.label.length} > ${max}`, m.where, `set a label of at most ${max} characters`);
      }
    }
  },
};

function parseMkfsNode(e: GraphEntry, ctx: NodeContext): MkfsNode | undefined {
  const v = e.values;
  let ok = true;
  for (const k of ['base', 'type']) {
    if (v[k] === undefined) {
      problem(ctx, `Mkfs config needs [${k}]`, e.where, k === 'type' ? `e.g. type: ext4 (one of ${FS_TYPES.join(', ')})` : undefined);
      ok = false;
    }
  }
  if (e.name === undefined) {
    problem(ctx, 'Mkfs config needs [name]', e.where);
    ok = false;
  }
  warnUnknownKeys(v, ['name', 'base', 'type', 'label', 'opts', 'uuid'], 'mkfs', e.where, ctx.warnings);
  const type = asText(v.type);
  if (type !== undefined && !FS_TYPES.includes(type as FsTypeName)) {
    problem(ctx, `Unknown filesystem type '${type}' in mkfs ${e.name ?? ''}`, e.where, `valid types: ${FS_TYPES.join(', ')}`);
    ok = false;
  }
  if (!ok || e.name === undefined || type === undefined) return undefined;
  let label = asText(v.label) ?? e.name;
  if (type === 'vfat' || type === 'fat') label = label.toUpperCase();
  const opts = (asText(v.opts) ?? '').trim().split(' ').filter(Boolean);
  const node: MkfsNode = { kind: 'mkfs', name: e.name, base: String(v.base), type: type as FsTypeName, label, opts, where: e.where };
  const uuid = asText(v.uuid);
  if (uuid !== undefined) node.uuid = uuid;
  return node;
}
