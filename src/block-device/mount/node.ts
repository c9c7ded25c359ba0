/**
 * mount (DIB diskimage_builder/block_device/level3/mount.py) and fstab (level4/fstab.py). Mounts are
 * created in mount order (order.ts), each after its filesystem; a mount point is used once. The
 * executor does not mount: tree.ts splits the root tree by mount point instead.
 */
import { asText, problem, warnUnknownKeys } from '../common/read.js';
import type { GraphEntry } from '../graph/tree-to-graph.js';
import type { Edge, FstabNode, MountNode, NodeContext, NodeHandler } from '../graph/types.js';
import { sortMountPoints } from './order.js';

export const mountHandler: NodeHandler<MountNode, MountNode> = {
  plugin: 'mount',
  kinds: { mount: 'mount' },
  parse: parseMountNode,
  add(n, r) {
    r.mounts.push(n);
    return [n];
  },
  nodes: (r) => r.mounts,
  edges(m, r) {
    const out: Edge[] = [];
    const order = sortMountPoints(r.mounts);
    const i = order.indexOf(m);
    if (i > 0) out.push({ from: order[i - 1]!.name, to: m.name });
    out.push({ from: m.base, to: m.name });
    return out;
  },
  bases: (m) => [{ node: `mount ${m.name}`, base: m.base, kinds: ['mkfs'], where: m.where }],
  onePerBase: (m) => m,
  check(r, ctx) {
    const mps = new Map<string, string>();
    for (const m of r.mounts) {
      if (m.mountPoint === 'none') continue;
      if (mps.has(m.mountPoint)) problem(ctx, `Mount point [${m.mountPoint}] specified more than once`, m.where, `also mounted by ${mps.get(m.mountPoint)}`);
      else mps.set(m.mountPoint, m.name);
    }
  },
};

export const fstabHandler: NodeHandler<FstabNode, FstabNode> = {
  plugin: 'fstab',
  kinds: { fstab: 'fstab' },
  parse: parseFstabNode,
  add(n, r) {
    r.fstabs.push(n);
    return [n];
  },
  nodes: (r) => r.fstabs,
  edges: (f) => [{ from: f.base, to: f.name }],
  bases: (f) => [{ node: `fstab ${f.name}`, base: f.base, kinds: ['mount'], where: f.where }],
  onePerBase: (f) => f,
};

function parseMountNode(e: GraphEntry, ctx: NodeContext): MountNode | undefined {
  const v = e.values;
  let ok = true;
  for (const k of ['base', 'mount_point']) {
    if (v[k] === undefined) {
      problem(ctx, `MountPoint config needs [${k}]`, e.where);
      ok = false;
    }
  }
  warnUnknownKeys(v, ['name', 'base', 'mount_point'], 'mount', e.where, ctx.warnings);
  const mp = asText(v.mount_point);
  if (mp !== undefined && mp !== 'none' && !mp.startsWith('/')) {
    problem(ctx, `mount point '${mp}' is not absolute`, e.where, "write e.g. mount_point: /var (or 'none' for swap)");
    ok = false;
  }
  if (!ok || e.name === undefined || mp === undefined) return undefined;
  const norm = mp === '/' || mp === 'none' ? mp : mp.replace(/\/+$/, '').replace(/\/+/g, '/');
  return { kind: 'mount', name: e.name, base: String(v.base), mountPoint: norm, where: e.where };
}

function parseFstabNode(e: GraphEntry, ctx: NodeContext): FstabNode | undefined {
  const v = e.values;
  if (v.base === undefined) {
    problem(ctx, 'Fstab config needs [base]', e.where, 'base: is the mount node');
    return undefined;
  }
  warnUnknownKeys(v, ['name', 'base', 'options', 'dump-freq', 'fsck-passno'], 'fstab', e.where, ctx.warnings);
  if (e.name === undefined) return undefined;
  const num = (k: string, d: number): number => {
    const x = v[k] === undefined ? d : Number(v[k]);
    if (!Number.isInteger(x) || x < 0) {
      problem(ctx, `fstab ${k} must be a whole number, got '${String(v[k])}'`, e.where);
      return d;
    }
    return x;
  };
  return {
    kind: 'fstab',
    name: e.name,
    base: String(v.base),
    options: asText(v.options) ?? 'defaults',
    dumpFreq: num('dump-freq', 0),
    passno: num('fsck-passno', 2),
    where: e.where,
  };
}
