/**
 * Graph entries -> typed nodes and DIB's node graph: duplicate names, undefined edges, cycles, and
 * the topological call order (Kahn, ties broken by name: stable, golden-testable, and the same for
 * the tree and graph forms of a layout). Every problem is collected; nothing is thrown here. What a
 * node type parses and which edges its nodes have is its handler's (registry.ts).
 */
import { KilnError } from '../../errors.js';
import { HANDLER_OF, HANDLER_OF_KIND } from './registry.js';
import type { GraphConfig } from './tree-to-graph.js';
import type { Edge, GraphNode, NodeContext, ResolvedConfig } from './types.js';

export function resolveBlockDeviceConfig(g: GraphConfig, ctx: NodeContext): ResolvedConfig {
  const r: ResolvedConfig = { file: g.file, images: [], tables: [], lvms: [], mkfs: [], mounts: [], fstabs: [], nodes: new Map(), callOrder: [] };
  const add = (n: GraphNode): void => {
    const old = r.nodes.get(n.name);
    if (old) {
      ctx.problems.push(
        new KilnError(`Duplicate node name: ${n.name}`, {
          where: n.where,
          hint: `also defined at ${old.where}; auto-names are <type>_<base>, set name: explicitly`,
        }),
      );
      return;
    }
    r.nodes.set(n.name, n);
  };
  for (const e of g.entries) {
    const h = HANDLER_OF[e.plugin];
    const n = h.parse(e, ctx);
    if (n !== undefined) h.add(n, r).forEach(add);
  }
  r.callOrder = orderNodes(r, ctx);
  return r;
}

/** DIB get_edges() of every node, each with the file:line of the node that has it. */
function edgesOf(r: ResolvedConfig): (Edge & { where: string })[] {
  return [...r.nodes.values()].flatMap((n) => HANDLER_OF_KIND[n.kind].edges(n, r).map((e) => ({ ...e, where: n.where })));
}

function orderNodes(r: ResolvedConfig, ctx: NodeContext): string[] {
  const names = [...r.nodes.keys()];
  const succ = new Map<string, string[]>(names.map((n) => [n, []]));
  const indeg = new Map<string, number>(names.map((n) => [n, 0]));
  for (const e of edgesOf(r)) {
    if (!r.nodes.has(e.from) || !r.nodes.has(e.to)) {
      const missing = r.nodes.has(e.from) ? e.to : e.from;
      ctx.problems.push(
        new KilnError(`Edge not defined: ${e.from}->${e.to}`, {
          where: e.where,
          hint: `no node is named '${missing}'; check base: (nodes: ${names.join(', ')})`,
        }),
      );
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
    ctx.problems.push(
      new KilnError(`Dependency cycle between nodes: ${stuck.join(', ')}`, { where: first.where, hint: 'a node cannot (indirectly) be its own base' }),
    );
  }
  return order;
}
