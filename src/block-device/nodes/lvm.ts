/**
 * lvm (DIB level1/lvm.py): pvs on partitions, vgs over pvs, lvs in vgs, plus the driver node named
 * after the config. Reference checks and messages are DIB's (test_lvm.py asserts them).
 */
import { parseAbsSize } from '../sizes.js';
import type { GraphEntry } from '../tree-to-graph.js';
import { asOptions, asText, problem, warnUnknownKeys } from './common.js';
import type { LvmNode, LvNode, NodeContext, PvNode, VgNode } from './types.js';

const LV_TYPES = ['thin', 'thin-pool'];

export function parseLvmNode(e: GraphEntry, ctx: NodeContext): LvmNode | undefined {
  const v = e.values;
  const at = e.where;
  let ok = true;
  if (e.name === undefined) { problem(ctx, "Lvm config requires 'name'", at); ok = false; }
  if (!Array.isArray(v['pvs'])) { problem(ctx, "Lvm config requires a 'pvs'", at); ok = false; }
  if (!Array.isArray(v['vgs'])) { problem(ctx, "Lvm config needs 'vgs'", at); ok = false; }
  if (!Array.isArray(v['lvs'])) { problem(ctx, "Lvm config needs 'lvs'", at); ok = false; }
  warnUnknownKeys(v, ['name', 'base', 'pvs', 'vgs', 'lvs'], 'lvm', at, ctx.warnings);
  if (!ok || e.name === undefined) return undefined;
  const lvm = e.name;
  const node: LvmNode = { kind: 'lvm', name: lvm, where: at, pvs: [], vgs: [], lvs: [] };
  const itemAt = (o: unknown): string => ctx.whereOf?.(o) ?? e.where;
  for (const p of v['pvs'] as unknown[]) {
    const c = (p ?? {}) as Record<string, unknown>;
    const at = itemAt(p);
    const name = asText(c['name']);
    const base = asText(c['base']);
    if (name === undefined) { problem(ctx, "Missing 'name' in pvs config", at); continue; }
    if (base === undefined) { problem(ctx, "Missing 'base' in pvs_config", at, `pv ${name} needs base: <partition>`); continue; }
    node.pvs.push({ kind: 'pv', name, base, options: asOptions(c['options']), lvm, where: at } satisfies PvNode);
  }
  for (const g of v['vgs'] as unknown[]) {
    const c = (g ?? {}) as Record<string, unknown>;
    const at = itemAt(g);
    const name = asText(c['name']);
    if (name === undefined) { problem(ctx, "Missing 'name' in vgs config", at); continue; }
    if (c['base'] === undefined) { problem(ctx, "Missing 'base' in vgs config", at, `vg ${name} needs base: [<pv>, ...]`); continue; }
    const base = (Array.isArray(c['base']) ? c['base'] : [c['base']]).map((b) => String(b));
    let good = true;
    for (const pv of base) {
      if (!node.pvs.some((x) => x.name === pv)) { problem(ctx, `base:${pv} in vgs does not match a valid pvs`, at, `pvs: ${node.pvs.map((x) => x.name).join(', ')}`); good = false; }
    }
    if (good) node.vgs.push({ kind: 'vg', name, base, options: asOptions(c['options']), lvm, where: at } satisfies VgNode);
  }
  for (const l of v['lvs'] as unknown[]) {
    const c = (l ?? {}) as Record<string, unknown>;
    const at = itemAt(l);
    const name = asText(c['name']);
    const base = asText(c['base']);
    if (name === undefined) { problem(ctx, "Missing 'name' in lvs config", at); continue; }
    if (base === undefined) { problem(ctx, "Missing 'base' in lvs config", at); continue; }
    if (c['size'] === undefined && c['extents'] === undefined) { problem(ctx, "Missing 'size' or 'extents' in lvs config", at, `lv ${name}: add size: or extents:`); continue; }
    if (!node.vgs.some((x) => x.name === base)) { problem(ctx, `base:${base} in lvs does not match a valid vg`, at, `vgs: ${node.vgs.map((x) => x.name).join(', ')}`); continue; }
    const lv: LvNode = { kind: 'lv', name, base, lvm, options: asOptions(c['options']), where: at };
    const type = asText(c['type']);
    if (type !== undefined) {
      if (!LV_TYPES.includes(type)) { problem(ctx, `Unsupported type:${type}, supported types: ${LV_TYPES.join(', ')}`, at); continue; }
      lv.lvType = type as 'thin' | 'thin-pool';
    }
    const pool = asText(c['thin-pool']);
    if (pool !== undefined) lv.thinPool = pool;
    if (c['size'] !== undefined) {
      lv.sizeText = asText(c['size']) ?? '';
      try { lv.sizeBytes = parseAbsSize(lv.sizeText); } catch (err) { problem(ctx, `lv ${name}: ${(err as Error).message}`, at); continue; }
    } else {
      lv.extents = asText(c['extents']) ?? '';
    }
    node.lvs.push(lv);
  }
  return node;
}
