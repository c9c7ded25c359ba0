/** local_loop (DIB level0/localloop.py): the image file. Size defaults to the image-size param. */
import { parseAbsSize } from '../sizes.js';
import type { GraphEntry } from '../tree-to-graph.js';
import { asText, problem, warnUnknownKeys } from './common.js';
import type { ImageNode, NodeContext } from './types.js';

export function parseImageNode(e: GraphEntry, ctx: NodeContext): ImageNode | undefined {
  const v = e.values;
  if (e.name === undefined) {
    problem(ctx, "local_loop config needs 'name'", e.where, 'add e.g. name: image0');
    return undefined;
  }
  warnUnknownKeys(v, ['name', 'base', 'size', 'directory', 'block_size'], 'local_loop', e.where, ctx.warnings);
  const node: ImageNode = { kind: 'image', name: e.name, where: e.where };
  if (v['size'] !== undefined) {
    try {
      node.sizeBytes = parseAbsSize(asText(v['size']) ?? '');
    } catch (err) {
      problem(ctx, `local_loop ${e.name}: ${(err as Error).message}`, e.where, "write e.g. size: '2GiB'");
    }
  }
  if (v['block_size'] !== undefined) {
    try {
      node.blockSize = parseAbsSize(asText(v['block_size']) ?? '');
    } catch (err) {
      problem(ctx, `local_loop ${e.name}: block_size: ${(err as Error).message}`, e.where);
    }
  }
  const dir = asText(v['directory']);
  if (dir !== undefined) node.directory = dir;
  return node;
}
