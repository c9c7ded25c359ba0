/**
 * lvm (DIB diskimage_builder/block_device/level1/lvm.py): pvs on partitions, vgs over pvs, lvs in
 * vgs, plus the driver node named after the config, created after the pvs' partitions and before the
 * pvs. Reference checks and messages are DIB's (its tests/test_lvm.py asserts them). The extents are
 * planned in plan.ts; the metadata is encoded by encode.ts.
 */
import { asOptions, asText, problem, warnUnknownKeys } from '../common/read.js';
import { parseAbsSize } from '../common/sizes.js';
import type { GraphEntry } from '../graph/tree-to-graph.js';
import type { Edge, LvmNode, LvNode, NodeContext, NodeHandler, PvNode, VgNode } from '../graph/types.js';

const LV_TYPES = ['thin', 'thin-pool'];

export const lvmHandler: NodeHandler<LvmNode, PvNode | VgNode | LvNode | LvmNode> = {
  plugin: 'lvm',
  kinds: { pv: 'lvm pv', vg: 'lvm vg', lv: 'logical volume', lvm: 'lvm' },
  parse: parseLvmNode,
  add(n, r) {
    r.lvms.push(n);
    return [...n.pvs, ...n.vgs, ...n.lvs, n];
  },
  nodes: (r) => r.lvms,
  edges(n) {
    switch (n.kind) {
      case 'pv':
        return []; // the lvm node links each pv to its partition
      case 'vg':
        return n.base.map((b) => ({ from: b, to: n.name }));
      case 'lv':
        return [{ from: n.base, to: n.name }];
      case 'lvm': {
        const out: Edge[] = [...new Set(n.pvs.map((p) => p.base))].map((b) => ({ from: b, to: n.name }));
        for (const p of n.pvs) out.push({ from: n.name, to: p.name });
        return out;
      }
    }
  },
  bases: (l) => l.pvs.map((p) => ({ node: `lvm pv ${p.name}`, base: p.base, kinds: ['partition'], where: p.where })),
  devices: (l) => l.pvs.map((p) => ({ device: p.base, user: `pv ${p.name}`, where: p.where })),
  check(r, ctx) {
    for (const lv of r.lvms.flatMap((l) => l.lvs)) {
      if (lv.lvType !== undefined || lv.thinPool !== undefined) {
        problem(ctx, `lv ${lv.name}: thin provisioning is not supported yet`, lv.where, 'use plain (linear) logical volumes with size: or extents:');
      }
    }
  },
};

function parseLvmNode(e: GraphEntry, ctx: NodeContext): LvmNode | undefined {
  const v = e.values;
  const at = e.where;
  let ok = true;
  if (e.name === undefined) {
    problem(ctx, "Lvm config requires 'name'", at);
    ok = false;
  }
  if (!Array.isArray(v.pvs)) {
    problem(ctx, "Lvm config requires a 'pvs'", at);
    ok = false;
  }
  if (!Array.isArray(v.vgs)) {
    problem(ctx, "Lvm config needs 'vgs'", at);
    ok = false;
  }
  if (!Array.isArray(v.lvs)) {
    problem(ctx, "Lvm config needs 'lvs'", at);
    ok = false;
  }
  warnUnknownKeys(v, ['name', 'base', 'pvs', 'vgs', 'lvs'], 'lvm', at, ctx.warnings);
  if (!ok || e.name === undefined) return undefined;
  const lvm = e.name;
  const node: LvmNode = { kind: 'lvm', name: lvm, where: at, pvs: [], vgs: [], lvs: [] };
  const itemAt = (o: unknown): string => ctx.whereOf?.(o) ?? e.where;
  for (const p of v.pvs as unknown[]) {
    const c = (p ?? {}) as Record<string, unknown>;
    const at = itemAt(p);
    const name = asText(c.name);
    const base = asText(c.base);
    if (name === undefined) {
      problem(ctx, "Missing 'name' in pvs config", at);
      continue;
    }
    if (base === undefined) {
      problem(ctx, "Missing 'base' in pvs_config", at, `pv ${name} needs base: <partition>`);
      continue;
    }
    node.pvs.push({ kind: 'pv', name, base, options: asOptions(c.options), lvm, where: at } satisfies PvNode);
  }
  for (const g of v.vgs as unknown[]) {
    const c = (g ?? {}) as Record<string, unknown>;
    const at = itemAt(g);
    const name = asText(c.name);
    if (name === undefined) {
      problem(ctx, "Missing 'name' in vgs config", at);
      continue;
    }
    if (c.base === undefined) {
      problem(ctx, "Missing 'base' in vgs config", at, `vg ${name} needs base: [<pv>, ...]`);
      continue;
    }
    const base = (Array.isArray(c.base) ? c.base : [c.base]).map((b) => String(b));
    let good = true;
    for (const pv of base) {
      if (!node.pvs.some((x) => x.name === pv)) {
        problem(ctx, `base:${pv} in vgs does not match a valid pvs`, at, `pvs: ${node.pvs.map((x) => x.name).join(', ')}`);
        good = false;
      }
    }
    if (good) node.vgs.push({ kind: 'vg', name, base, options: asOptions(c.options), lvm, where: at } satisfies VgNode);
  }
  for (const l of v.lvs as unknown[]) {
    const c = (l ?? {}) as Record<string, unknown>;
    const at = itemAt(l);
    const name = asText(c.name);
    const base = asText(c.base);
    if (name === undefined) {
      problem(ctx, "Missing 'name' in lvs config", at);
      continue;
    }
    if (base === undefined) {
      problem(ctx, "Missing 'base' in lvs config", at);
      continue;
    }
    if (c.size === undefined && c.extents === undefined) {
      problem(ctx, "Missing 'size' or 'extents' in lvs config", at, `lv ${name}: add size: or extents:`);
      continue;
    }
    if (!node.vgs.some((x) => x.name === base)) {
      problem(ctx, `base:${base} in lvs does not match a valid vg`, at, `vgs: ${node.vgs.map((x) => x.name).join(', ')}`);
      continue;
    }
    const lv: LvNode = { kind: 'lv', name, base, lvm, options: asOptions(c.options), where: at };
    const type = asText(c.type);
    if (type !== undefined) {
      if (!LV_TYPES.includes(type)) {
        problem(ctx, `Unsupported type:${type}, supported types: ${LV_TYPES.join(', ')}`, at);
        continue;
      }
      lv.lvType = type as 'thin' | 'thin-pool';
    }
    const pool = asText(c['thin-pool']);
    if (pool !== undefined) lv.thinPool = pool;
    if (c.size !== undefined) {
      lv.sizeText = asText(c.size) ?? '';
      try {
        lv.sizeBytes = parseAbsSize(lv.sizeText);
      } catch (err) {
        problem(ctx, `lv ${name}: ${(err as Error).message}`, at);
        continue;
      }
    } else {
      lv.extents = asText(c.extents) ?? '';
    }
    node.lvs.push(lv);
  }
  return node;
}
