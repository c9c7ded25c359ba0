/**
 * mkfs (DIB level2/mkfs.py). label defaults to the node name, upper-cased for vfat/fat; labels are
 * unique and length-limited (checked in validate.ts, across nodes); opts split on spaces.
 */
import type { FsTypeName } from '../plan-types.js';
import type { GraphEntry } from '../tree-to-graph.js';
import { asText, problem, warnUnknownKeys } from './common.js';
import type { MkfsNode, NodeContext } from './types.js';

export const FS_TYPES: FsTypeName[] = ['ext2', 'ext3', 'ext4', 'vfat', 'fat', 'xfs', 'btrfs', 'swap'];

export function parseMkfsNode(e: GraphEntry, ctx: NodeContext): MkfsNode | undefined {
  const v = e.values;
  let ok = true;
  for (const k of ['base', 'type']) {
    if (v[k] === undefined) { problem(ctx, `Mkfs config needs [${k}]`, e.where, k === 'type' ? `e.g. type: ext4 (one of ${FS_TYPES.join(', ')})` : undefined); ok = false; }
  }
  if (e.name === undefined) { problem(ctx, 'Mkfs config needs [name]', e.where); ok = false; }
  warnUnknownKeys(v, ['name', 'base', 'type', 'label', 'opts', 'uuid'], 'mkfs', e.where, ctx.warnings);
  const type = asText(v['type']);
  if (type !== undefined && !FS_TYPES.includes(type as FsTypeName)) {
    problem(ctx, `Unknown filesystem type '${type}' in mkfs ${e.name ?? ''}`, e.where, `valid types: ${FS_TYPES.join(', ')}`);
    ok = false;
  }
  if (!ok || e.name === undefined || type === undefined) return undefined;
  let label = asText(v['label']) ?? e.name;
  if (type === 'vfat' || type === 'fat') label = label.toUpperCase();
  const opts = (asText(v['opts']) ?? '').trim().split(' ').filter(Boolean);
  const node: MkfsNode = { kind: 'mkfs', name: e.name, base: String(v['base']), type: type as FsTypeName, label, opts, where: e.where };
  const uuid = asText(v['uuid']);
  if (uuid !== undefined) node.uuid = uuid;
  return node;
}
