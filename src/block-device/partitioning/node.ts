/**
 * partitioning (DIB diskimage_builder/block_device/level1/partitioning.py + partition.py): one table
 * on `base` (a local_loop); its partitions are the graph nodes, each created after the one before.
 * Messages are DIB's. The layout is planned in plan.ts (plan-mbr.ts, plan-gpt.ts).
 */
import { bytes, MiB } from '../../units.js';
import { asText, problem, warnUnknownKeys } from '../common/read.js';
import { parseAbsSize, parseSizeSpec } from '../common/sizes.js';
import type { GraphEntry } from '../graph/tree-to-graph.js';
import type { NodeContext, NodeHandler, PartitionFlag, PartitionNode, PartitioningNode } from '../graph/types.js';
import { GPT_NAME_MAX } from './encode-gpt.js';

export const partitioningHandler: NodeHandler<PartitioningNode, PartitionNode> = {
  plugin: 'partitioning',
  kinds: { partition: 'partition' },
  parse: parsePartitioningNode,
  add(n, r) {
    r.tables.push(n);
    return n.partitions;
  },
  nodes: (r) => r.tables,
  edges(p, r) {
    const out = [{ from: p.base, to: p.name }];
    const t = r.tables.find((x) => x.name === p.table)!;
    const i = t.partitions.indexOf(p);
    if (i > 0) out.push({ from: t.partitions[i - 1]!.name, to: p.name });
    return out;
  },
  bases: (t) => [{ node: `partitioning ${t.name}`, base: t.base, kinds: ['image'], where: t.where }],
  devices: (t) => [{ device: t.base, user: `partitioning ${t.name}`, where: t.where }],
  check(r, ctx) {
    for (const t of r.tables) {
      if (t.label === 'mbr') {
        const primaries = t.partitions.filter((p) => p.flags.includes('primary')).length;
        const logicals = t.partitions.length - primaries;
        if (primaries + (logicals > 0 ? 1 : 0) > 4) {
          problem(
            ctx,
            `MBR ${t.name}: ${primaries} primary partitions${logicals ? ' plus the extended container' : ''} do not fit in 4 slots`,
            t.where,
            'use logical partitions (no primary flag) or a GPT label',
          );
        }
      } else {
        for (const p of t.partitions) {
          if (p.name.length > GPT_NAME_MAX) problem(ctx, `GPT partition name '${p.name}' is longer than 36 characters`, p.where);
        }
      }
    }
  },
};

function parsePartitioningNode(e: GraphEntry, ctx: NodeContext): PartitioningNode | undefined {
  const v = e.values;
  let ok = true;
  const base = asText(v.base);
  if (base === undefined) {
    problem(ctx, "Partitioning config needs 'base'", e.where, 'set base: to the local_loop name, e.g. image0');
    ok = false;
  }
  if (e.partitions === undefined) {
    problem(ctx, "Partitioning config needs 'partitions'", e.where, 'add a partitions: list');
    ok = false;
  }
  const label = v.label;
  if (label === undefined) {
    problem(ctx, "Partitioning config needs 'label'", e.where, 'add label: mbr or label: gpt');
    ok = false;
  } else if (label !== 'mbr' && label !== 'gpt') {
    problem(ctx, "Label must be 'mbr' or 'gpt'", e.where, `got '${String(label)}'`);
    ok = false;
  }
  warnUnknownKeys(v, ['name', 'base', 'label', 'align', 'partitions'], 'partitioning', e.where, ctx.warnings);
  let alignBytes = bytes(MiB);
  if (v.align !== undefined) {
    try {
      alignBytes = parseAbsSize(asText(v.align) ?? '');
      if (alignBytes < 512 || alignBytes % 512 !== 0) {
        problem(ctx, `align ${alignBytes} is not a positive multiple of 512 bytes`, e.where);
        ok = false;
      }
    } catch (err) {
      problem(ctx, `align: ${(err as Error).message}`, e.where);
      ok = false;
    }
  }
  if (!ok || base === undefined || (label !== 'mbr' && label !== 'gpt')) return undefined;
  const table = e.name ?? `partitioning_${base}`;
  const node: PartitioningNode = { kind: 'partitioning', name: table, base, label, alignBytes, partitions: [], where: e.where };
  let seenLogical = false;
  for (const p of e.partitions ?? []) {
    const part = parsePartition(p.values, p.where, node, ctx);
    if (!part) continue;
    if (label === 'mbr') {
      const primary = part.flags.includes('primary');
      if (primary && seenLogical)
        problem(
          ctx,
          `All primary partitions must be given first (partition ${part.name})`,
          part.where,
          'move primary partitions before the logical ones (no primary flag = logical)',
        );
      if (!primary) seenLogical = true;
    }
    node.partitions.push(part);
  }
  return node;
}

function parsePartition(v: Record<string, unknown>, where: string, t: PartitioningNode, ctx: NodeContext): PartitionNode | undefined {
  const name = asText(v.name);
  if (name === undefined) {
    problem(ctx, "Missing 'name' in partition config", where, 'every partition needs a name');
    return undefined;
  }
  warnUnknownKeys(v, ['name', 'base', 'size', 'flags', 'type'], `partition ${name}`, where, ctx.warnings);
  const part: PartitionNode = { kind: 'partition', name, base: t.base, table: t.name, label: t.label, flags: [], where };
  const flags = v.flags === undefined ? [] : Array.isArray(v.flags) ? v.flags : [v.flags];
  if (t.label === 'gpt' && flags.includes('primary'))
    problem(ctx, 'Primary flag not supported for GPT partitions', where, `remove 'primary' from partition ${name}`);
  for (const f of flags) {
    if (f === 'boot' || f === 'primary') {
      if (!part.flags.includes(f)) part.flags.push(f as PartitionFlag);
    } else problem(ctx, `Unknown flag: ${String(f)}`, where, 'valid flags: boot, primary (MBR only)');
  }
  if (v.size === undefined) problem(ctx, `No size in partition ${name}`, where, "add size: e.g. '100%' or '512MiB'");
  else {
    try {
      part.size = parseSizeSpec(asText(v.size) ?? '');
    } catch (err) {
      problem(ctx, `partition ${name}: ${(err as Error).message}`, where);
    }
  }
  const type = asText(v.type);
  if (t.label === 'mbr') {
    const n = type === undefined ? 0x83 : Number.parseInt(type.replace(/^0x/i, ''), 16);
    if (!Number.isInteger(n) || n < 1 || n > 0xff || (type !== undefined && !/^(0x)?[0-9a-f]{1,2}$/i.test(type))) {
      problem(ctx, `invalid MBR partition type '${type}' for partition ${name}`, where, "give one hex byte, e.g. type: '0x83' (Linux) or '0xef' (EFI)");
    } else part.mbrType = n;
  } else {
    part.gptType = type ?? '8300';
  }
  return part;
}
