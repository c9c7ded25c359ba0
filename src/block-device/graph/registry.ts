/**
 * Plugin name -> node handler. The handlers import their shared types from types.ts, never this
 * module, so the registry adds no import cycle.
 */
import { imageHandler } from '../image/node.js';
import { lvmHandler } from '../lvm/node.js';
import { mkfsHandler } from '../mkfs/node.js';
import { fstabHandler, mountHandler } from '../mount/node.js';
import { partitioningHandler } from '../partitioning/node.js';
import type { PluginName } from './tree-to-graph.js';
import type { AnyNodeHandler, GraphNodeKind } from './types.js';

/** Every handler, in DIB's level order (0 local_loop, 1 partitioning and lvm, 2 mkfs, 3 mount, 4 fstab). */
export const HANDLERS: readonly AnyNodeHandler[] = [imageHandler, partitioningHandler, lvmHandler, mkfsHandler, mountHandler, fstabHandler];

export const HANDLER_OF: Record<PluginName, AnyNodeHandler> = {
  local_loop: imageHandler,
  partitioning: partitioningHandler,
  lvm: lvmHandler,
  mkfs: mkfsHandler,
  mount: mountHandler,
  fstab: fstabHandler,
};

/** The handler that made a graph node of each kind. */
export const HANDLER_OF_KIND = Object.fromEntries(HANDLERS.flatMap((h) => Object.keys(h.kinds).map((k) => [k, h]))) as Record<GraphNodeKind, AnyNodeHandler>;

/** Each graph-node kind's name in messages ('lvm pv', 'logical volume', ...). */
export const KIND_NAMES = Object.fromEntries(HANDLERS.flatMap((h) => Object.entries(h.kinds))) as Record<GraphNodeKind, string>;
