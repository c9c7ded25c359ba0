/**
 * local_loop (DIB diskimage_builder/block_device/level0/localloop.py): the image file. Size defaults
 * to the image-size param. Only one image is supported, with 512- or 4096-byte sectors.
 */
import { asText, problem, warnUnknownKeys } from '../common/read.js';
import { parseAbsSize } from '../common/sizes.js';
import type { ImageNode, NodeHandler } from '../graph/types.js';

export const imageHandler: NodeHandler<ImageNode, ImageNode> = {
  plugin: 'local_loop',
  kinds: { image: 'local_loop' },
  parse(e, ctx) {
    const v = e.values;
    if (e.name === undefined) {
      problem(ctx, "local_loop config needs 'name'", e.where, 'add e.g. name: image0');
      return undefined;
    }
    warnUnknownKeys(v, ['name', 'base', 'size', 'directory', 'block_size'], 'local_loop', e.where, ctx.warnings);
    const node: ImageNode = { kind: 'image', name: e.name, where: e.where };
    if (v.size !== undefined) {
      try {
        node.sizeBytes = parseAbsSize(asText(v.size) ?? '');
      } catch (err) {
        problem(ctx, `local_loop ${e.name}: ${(err as Error).message}`, e.where, "write e.g. size: '2GiB'");
      }
    }
    if (v.block_size !== undefined) {
      try {
        node.blockSize = parseAbsSize(asText(v.block_size) ?? '');
      } catch (err) {
        problem(ctx, `local_loop ${e.name}: block_size: ${(err as Error).message}`, e.where);
      }
    }
    const dir = asText(v.directory);
    if (dir !== undefined) node.directory = dir;
    return node;
  },
  add(n, r) {
    r.images.push(n);
    return [n];
  },
  nodes: (r) => r.images,
  edges: () => [],
  check(r, ctx) {
    if (r.images.length > 1) problem(ctx, `only one local_loop is supported, found ${r.images.map((i) => i.name).join(', ')}`, r.images[1]!.where);
    for (const i of r.images) {
      if (i.blockSize !== undefined && i.blockSize !== 512 && i.blockSize !== 4096)
        problem(ctx, `local_loop ${i.name}: block_size ${i.blockSize} is not supported`, i.where, 'use 512 or 4096');
    }
  },
};
