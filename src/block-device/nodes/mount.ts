/** mount (DIB level3/mount.py) and fstab (level4/fstab.py). */
import type { GraphEntry } from '../tree-to-graph.js';
import { asText, problem, warnUnknownKeys } from './common.js';
import type { FstabNode, MountNode, NodeContext } from './types.js';

export function parseMountNode(e: GraphEntry, ctx: NodeContext): MountNode | undefined {
  const v = e.values;
  let ok = true;
  for (const k of ['base', 'mount_point']) {
    if (v[k] === undefined) { problem(ctx, `MountPoint config needs [${k}]`, e.where); ok = false; }
  }
  warnUnknownKeys(v, ['name', 'base', 'mount_point'], 'mount', e.where, ctx.warnings);
  const mp = asText(v['mount_point']);
  if (mp !== undefined && mp !== 'none' && !mp.startsWith('/')) {
    problem(ctx, `mount point '${mp}' is not absolute`, e.where, "write e.g. mount_point: /var (or 'none' for swap)");
    ok = false;
  }
  if (!ok || e.name === undefined || mp === undefined) return undefined;
  const norm = mp === '/' || mp === 'none' ? mp : mp.replace(/\/+$/, '').replace(/\/+/g, '/');
  return { kind: 'mount', name: e.name, base: String(v['base']), mountPoint: norm, where: e.where };
}

export function parseFstabNode(e: GraphEntry, ctx: NodeContext): FstabNode | undefined {
  const v = e.values;
  if (v['base'] === undefined) { problem(ctx, 'Fstab config needs [base]', e.where, 'base: is the mount node'); return undefined; }
  warnUnknownKeys(v, ['name', 'base', 'options', 'dump-freq', 'fsck-passno'], 'fstab', e.where, ctx.warnings);
  if (e.name === undefined) return undefined;
  const num = (k: string, d: number): number => {
    const x = v[k] === undefined ? d : Number(v[k]);
    if (!Number.isInteger(x) || x < 0) { problem(ctx, `fstab ${k} must be a whole number, got '${String(v[k])}'`, e.where); return d; }
    return x;
  };
  return { kind: 'fstab', name: e.name, base: String(v['base']), options: asText(v['options']) ?? 'defaults', dumpFreq: num('dump-freq', 0), passno: num('fsck-passno', 2), where: e.where };
}
