/**
 * Graph entries -> typed nodes and DIB's node graph: duplicate names, undefined edges, cycles, and
 * the topological call order (Kahn, ties broken by name: stable, golden-testable, and the same for
 * the tree and graph forms of a layout). Every problem is collected; nothing is thrown here.
 */
import { KilnError } from '../errors.js';
import { parseImageNode } from './nodes/image.js';
import { parseLvmNode } from './nodes/lvm.js';
import { parseMkfsNode } from './nodes/mkfs.js';
import { parseFstabNode, parseMountNode } from './nodes/mount.js';
import { parsePartitioningNode } from './nodes/partitioning.js';
import type { GraphNode, NodeContext, ResolvedConfig } from './nodes/types.js';
import { sortMountPoints } from './mount-order.js';
import type { GraphConfig } from './tree-to-graph.js';

export function resolveBlockDeviceConfig(g: GraphConfig, ctx: NodeContext): ResolvedConfig {
  const r: ResolvedConfig = { file: g.file, images: [], tables: [], lvms: [], mkfs: [], mounts: [], fstabs: [], nodes: new Map(), callOrder: [] };
  const add = (n: GraphNode): void => {
    const old = r.nodes.get(n.name);
    if (old) {
      ctx.problems.push(new KilnError(`Duplicate node name: ${n.name}`, { where: n.where, hint: `also defined at ${old.where}; auto-names are <type>_<base>, set name: explicitly` }));
      return;
    }
    r.nodes.set(n.name, n);
  };
  for (const e of g.entries) {
    switch (e.plugin) {
      case 'local_loop': { const n = parseImageNode(e, ctx); if (n) { r.images.push(n); add(n); } break; }
      case 'partitioning': { const n = parsePartitioningNode(e, ctx); if (n) { r.tables.push(n); n.partitions.forEach(add); } break; }
      case 'lvm': {
        const n = parseLvmNode(e, ctx);
        if (n) { r.lvms.push(n); [...n.pvs, ...n.vgs, ...n.lvs, n].forEach(add); }
        break;
      }
      case 'mkfs': { const n = parseMkfsNode(e, ctx); if (n) { r.mkfs.push(n); add(n); } break; }
      case 'mount': { const n = parseMountNode(e, ctx); if (n) { r.mounts.push(n); add(n); } break; }
      case 'fstab': { const n = parseFstabNode(e, ctx); if (n) { r.fstabs.push(n); add(n); } break; }
    }
  }
  r.callOrder = orderNodes(r, ctx);
  return r;
}

/** DIB get_edges() of every node: [from, to] pairs. */
function edgesOf(r: ResolvedConfig): { from: string; to: string; where: string }[] {
  const out: { from: string; to: string; where: string }[] = [];
  const mountOrder = sortMountPoints(r.mounts);
  for (const n of r.nodes.values()) {
    const from = (x: string): void => { out.push({ from: x, to: n.name, where: n.where }); };
    switch (n.kind) {
      case 'partition': {
        from(n.base);
        const t = r.tables.find((x) => x.name === n.table)!;
        const i = t.partitions.indexOf(n);
        if (i > 0) from(t.partitions[i - 1]!.name);
        break;
      }
      case 'lvm':
        for (const b of new Set(n.pvs.map((p) => p.base))) from(b);
        for (const p of n.pvs) out.push({ from: n.name, to: p.name, where: n.where });
        break;
      case 'vg': n.base.forEach(from); break;
      case 'lv': case 'mkfs': case 'fstab': from(n.base); break;
      case 'mount': {
        const i = mountOrder.indexOf(n);
        if (i > 0) from(mountOrder[i - 1]!.name);
        from(n.base);
        break;
      }
      default: break;
    }
  }
  return out;
}

function orderNodes(r: ResolvedConfig, ctx: NodeContext): string[] {
  const names = [...r.nodes.keys()];
  const succ = new Map<string, string[]>(names.map((n) => [n, []]));
  const indeg = new Map<string, number>(names.map((n) => [n, 0]));
  for (const e of edgesOf(r)) {
    if (!r.nodes.has(e.from) || !r.nodes.has(e.to)) {
      const missing = r.nodes.has(e.from) ? e.to : e.from;
      ctx.problems.push(new KilnError(`Edge not defined: ${e.from}->${e.to}`, { where: e.where, hint: `no node is named '${missing}'; check base: (nodes: ${names.join(', ')})` }));
      continue;
    }
    if (succ.get(e.from)!.includes(e.to)) continue;
    succ.get(e.from)!.push(e.to);
    indeg.set(e.to, indeg.get(e.to)! + 1);
  }
  const order: string[] = [];
  let ready = names.filter((n) => indeg.get(n) === 0).sort();
  while (ready.length > 0) {
    order.push(...ready);
    const next: string[] = [];
    for (const n of ready) {
      for (const s of succ.get(n)!) {
        indeg.set(s, indeg.get(s)! - 1);
        if (indeg.get(s) === 0) next.push(s);
      }
    }
    ready = names.filter((n) => next.includes(n)).sort();
  }
  if (order.length < names.length) {
    const stuck = names.filter((n) => !order.includes(n));
    const first = r.nodes.get(stuck[0]!)!;
    ctx.problems.push(new KilnError(`Dependency cycle between nodes: ${stuck.join(', ')}`, { where: first.where, hint: 'a node cannot (indirectly) be its own base' }));
  }
  return order;
}
