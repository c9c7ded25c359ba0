/**
 * The typed block-device nodes and the one shape every node type's handler has (NodeHandler).
 * A handler (image/, partitioning/, lvm/, mkfs/, mount/) parses its plugin's graph entries with the
 * checks and messages DIB has, records every problem in the context (never throws), says which graph
 * nodes and edges it adds, and checks its own rules; graph/registry.ts maps plugin names to handlers.
 * The planning of each type lives beside its handler (<type>/plan.ts); plan.ts runs them in order.
 */
import type { KilnError } from '../../errors.js';
import type { Bytes } from '../../units.js';
import type { FsTypeName, PartitionLabel } from '../common/plan-types.js';
import type { SizeSpec } from '../common/sizes.js';
import type { GraphEntry, PluginName } from './tree-to-graph.js';

export interface NodeContext {
  problems: KilnError[];
  warnings: string[];
  /** file:line of a mapping or list from the parsed YAML (items of pvs/vgs/lvs), when known */
  whereOf?: (o: unknown) => string | undefined;
}

interface NodeCommon {
  name: string;
  where: string;
}

export interface ImageNode extends NodeCommon {
  kind: 'image';
  sizeBytes?: Bytes;
  /** the sector size asked for (checked: 512 or 4096) */
  blockSize?: Bytes;
  directory?: string;
}

export type PartitionFlag = 'boot' | 'primary';

export interface PartitionNode extends NodeCommon {
  kind: 'partition';
  base: string;
  table: string;
  label: PartitionLabel;
  flags: PartitionFlag[];
  size?: SizeSpec;
  /** MBR: the type byte; GPT: the sgdisk code or GUID text */
  mbrType?: number;
  gptType?: string;
}

export interface PartitioningNode extends NodeCommon {
  kind: 'partitioning';
  base: string;
  label: PartitionLabel;
  alignBytes: Bytes;
  partitions: PartitionNode[];
}

export interface PvNode extends NodeCommon {
  kind: 'pv';
  base: string;
  options: string[];
  lvm: string;
}
export interface VgNode extends NodeCommon {
  kind: 'vg';
  base: string[];
  options: string[];
  lvm: string;
}
export interface LvNode extends NodeCommon {
  kind: 'lv';
  base: string;
  lvm: string;
  options: string[];
  sizeBytes?: Bytes;
  sizeText?: string;
  extents?: string;
  lvType?: 'thin' | 'thin-pool';
  thinPool?: string;
}
export interface LvmNode extends NodeCommon {
  kind: 'lvm';
  pvs: PvNode[];
  vgs: VgNode[];
  lvs: LvNode[];
}

export interface MkfsNode extends NodeCommon {
  kind: 'mkfs';
  base: string;
  type: FsTypeName;
  label: string;
  uuid?: string;
  opts: string[];
}

export interface MountNode extends NodeCommon {
  kind: 'mount';
  base: string;
  mountPoint: string;
}

export interface FstabNode extends NodeCommon {
  kind: 'fstab';
  base: string;
  options: string;
  dumpFreq: number;
  passno: number;
}

/** A node of DIB's graph (partitionings and lvm configs contribute several). */
export type GraphNode = ImageNode | PartitionNode | PvNode | VgNode | LvNode | LvmNode | MkfsNode | MountNode | FstabNode;
export type GraphNodeKind = GraphNode['kind'];

export interface ResolvedConfig {
  file: string;
  images: ImageNode[];
  tables: PartitioningNode[];
  lvms: LvmNode[];
  mkfs: MkfsNode[];
  mounts: MountNode[];
  fstabs: FstabNode[];
  nodes: Map<string, GraphNode>;
  /** DIB's create() order */
  callOrder: string[];
}

/** DIB get_edges(): `to` is created after `from`. */
export interface Edge {
  from: string;
  to: string;
}

/** A base a node names; when that node exists it must be one of `kinds`. */
export interface BaseRef {
  /** the naming node as messages show it, e.g. 'lvm pv root_pv' */
  node: string;
  base: string;
  kinds: GraphNodeKind[];
  where: string;
}

/** A block device (partition, LV, image) a node takes whole: a second user would overlap. */
export interface DeviceUse {
  device: string;
  /** e.g. 'mkfs mkfs_root' */
  user: string;
  where: string;
}

export interface NodeHandler<N = unknown, G extends GraphNode = GraphNode> {
  /** the YAML key (DIB's plugin name) */
  plugin: PluginName;
  /** the graph-node kinds it makes, each with its name in messages */
  kinds: { [K in G['kind']]: string };
  /** one graph entry -> its node, or undefined (problems recorded in ctx) */
  parse(e: GraphEntry, ctx: NodeContext): N | undefined;
  /** files n in r; returns the graph nodes n adds, in DIB's order */
  add(n: N, r: ResolvedConfig): G[];
  /** this type's nodes in r */
  nodes(r: ResolvedConfig): N[];
  /** DIB get_edges() of one of its graph nodes */
  edges(node: G, r: ResolvedConfig): Edge[];
  /** the bases n names, and what each may be */
  bases?(n: N): BaseRef[];
  /** the block devices n takes whole */
  devices?(n: N): DeviceUse[];
  /** set when a base may have only one such node (one mount per filesystem, one fstab per mount) */
  onePerBase?(n: N): { name: string; base: string; where: string };
  /** the type's own rules (value limits, uniqueness among its nodes) */
  check?(r: ResolvedConfig, ctx: NodeContext): void;
}

/**
 * A handler of some node type, as the registry holds them side by side (its graph-node type is
 * erased: each handler only ever gets back the nodes it made).
 */
// biome-ignore lint/suspicious/noExplicitAny: a registry holds handlers of every node type; each checks its own config
export type AnyNodeHandler = NodeHandler<unknown, any>;
