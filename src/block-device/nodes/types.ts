/**
 * Typed block-device nodes, one module per node type (image, partitioning, lvm, mkfs, mount,
 * fstab) with one shape: `parse*(entry, ctx)` checks the keys DIB checks, with DIB's messages,
 * records every problem in ctx (never throws) and returns what it could make sense of.
 */
import type { KilnError } from '../../errors.js';
import type { FsTypeName, PartitionLabel } from '../plan-types.js';
import type { SizeSpec } from '../sizes.js';

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
  sizeBytes?: number;
  blockSize?: number;
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
  alignBytes: number;
  partitions: PartitionNode[];
}

export interface PvNode extends NodeCommon { kind: 'pv'; base: string; options: string[]; lvm: string }
export interface VgNode extends NodeCommon { kind: 'vg'; base: string[]; options: string[]; lvm: string }
export interface LvNode extends NodeCommon {
  kind: 'lv';
  base: string;
  lvm: string;
  options: string[];
  sizeBytes?: number;
  sizeText?: string;
  extents?: string;
  lvType?: 'thin' | 'thin-pool';
  thinPool?: string;
}
export interface LvmNode extends NodeCommon { kind: 'lvm'; pvs: PvNode[]; vgs: VgNode[]; lvs: LvNode[] }

export interface MkfsNode extends NodeCommon {
  kind: 'mkfs';
  base: string;
  type: FsTypeName;
  label: string;
  uuid?: string;
  opts: string[];
}

export interface MountNode extends NodeCommon { kind: 'mount'; base: string; mountPoint: string }

export interface FstabNode extends NodeCommon {
  kind: 'fstab';
  base: string;
  options: string;
  dumpFreq: number;
  passno: number;
}

/** A node of DIB's graph (partitionings and lvm configs contribute several). */
export type GraphNode = ImageNode | PartitionNode | PvNode | VgNode | LvNode | LvmNode | MkfsNode | MountNode | FstabNode;

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
