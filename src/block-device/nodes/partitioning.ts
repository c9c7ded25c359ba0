/**
 * partitioning (DIB level1/partitioning.py + partition.py): one table on `base` (a local_loop);
 * its partitions are the graph nodes. Messages are DIB's.
 */
import { parseAbsSize, parseSizeSpec } from '../sizes.js';
import type { GraphEntry } from '../tree-to-graph.js';
import { asText, problem, warnUnknownKeys } from './common.js';
import type { NodeContext, PartitionFlag, PartitionNode, PartitioningNode } from './types.js';

export function parsePartitioningNode(e: GraphEntry, ctx: NodeContext): PartitioningNode | undefined {
  const v = e.values;
  let ok = true;
  const base = asText(v['base']);
  if (base === undefined) { problem(ctx, "Partitioning config needs 'base'", e.where, 'set base: to the local_loop name, e.g. image0'); ok = false; }
  if (e.partitions === undefined) { problem(ctx, "Partitioning config needs 'partitions'", e.where, 'add a partitions: list'); ok = false; }
  const label = v['label'];
  if (label === undefined) { problem(ctx, "Partitioning config needs 'label'", e.where, 'add label: mbr or label: gpt'); ok = false; }
  else if (label !== 'mbr' && label !== 'gpt') { problem(ctx, "Label must be 'mbr' or 'gpt'", e.where, `got '${String(label)}'`); ok = false; }
  warnUnknownKeys(v, ['name', 'base', 'label', 'align', 'partitions'], 'partitioning', e.where, ctx.warnings);
  let alignBytes = 1024 * 1024;
  if (v['align'] !== undefined) {
    try {
      alignBytes = parseAbsSize(asText(v['align']) ?? '');
      if (alignBytes < 512 || alignBytes % 512 !== 0) { problem(ctx, `align ${alignBytes} is not a positive multiple of 512 bytes`, e.where); ok = false; }
    } catch (err) { problem(ctx, `align: ${(err as Error).message}`, e.where); ok = false; }
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
      if (primary && seenLogical) problem(ctx, `All primary partitions must be given first (partition ${part.name})`, part.where, 'move primary partitions before the logical ones (no primary flag = logical)');
      if (!primary) seenLogical = true;
    }
    node.partitions.push(part);
  }
  return node;
}

function parsePartition(v: Record<string, unknown>, where: string, t: PartitioningNode, ctx: NodeContext): PartitionNode | undefined {
  const name = asText(v['name']);
  if (name === undefined) { problem(ctx, "Missing 'name' in partition config", where, 'every partition needs a name'); return undefined; }
  warnUnknownKeys(v, ['name', 'base', 'size', 'flags', 'type'], `partition ${name}`, where, ctx.warnings);
  const part: PartitionNode = { kind: 'partition', name, base: t.base, table: t.name, label: t.label, flags: [], where };
  const flags = v['flags'] === undefined ? [] : Array.isArray(v['flags']) ? v['flags'] : [v['flags']];
  if (t.label === 'gpt' && flags.includes('primary')) problem(ctx, 'Primary flag not supported for GPT partitions', where, `remove 'primary' from partition ${name}`);
  for (const f of flags) {
    if (f === 'boot' || f === 'primary') { if (!part.flags.includes(f)) part.flags.push(f as PartitionFlag); }
    else problem(ctx, `Unknown flag: ${String(f)}`, where, 'valid flags: boot, primary (MBR only)');
  }
  if (v['size'] === undefined) problem(ctx, `No size in partition ${name}`, where, "add size: e.g. '100%' or '512MiB'");
  else {
    try { part.size = parseSizeSpec(asText(v['size']) ?? ''); }
    catch (err) { problem(ctx, `partition ${name}: ${(err as Error).message}`, where); }
  }
  const type = asText(v['type']);
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
