/**
 * planBlockDevice(): DIB block-device YAML (tree or graph form) -> BlockDevicePlan, purely.
 * Every problem (syntax aside) is collected across parsing, graph building, validation and layout
 * and thrown at once (throwIfProblems), each with its file:line, before any byte is written.
 * The layout is planned level by level, each by its node type's planner (<type>/plan.ts), in two
 * parts: the frame (frameBlockDevice: checks, ids, mounts, fstab; no size) and the sizes
 * (sizeBlockDevice: image, tables, LVM extents, filesystem bytes), so a build frames its layout
 * before any work and sizes it once, from the final tree.
 */
import { createHash } from 'node:crypto';
import { KilnError, throwIfProblems } from './../errors.js';
import type { Bytes } from '../units.js';
import type { BlockDevicePlan, FstabBy, FstabLine, MountPlan, PartitionPlan } from './common/plan-types.js';
import { mergeRootfsParams, type RootfsParams } from './graph/legacy-params.js';
import { parseYamlWithLines } from './graph/parse-yaml.js';
import { resolveBlockDeviceConfig } from './graph/resolve.js';
import { configTreeToGraph } from './graph/tree-to-graph.js';
import type { NodeContext, ResolvedConfig } from './graph/types.js';
import { validateResolved, validateRootMount } from './graph/validate.js';
import { planImage } from './image/plan.js';
import { planLvm, unappliedOptionWarnings } from './lvm/plan.js';
import { checkXfsSizes, type FilesystemFrame, frameFilesystems, sizeFilesystems, XFS_MIN_BYTES } from './mkfs/plan.js';
import { formatFstab, planFstab, planMounts } from './mount/plan.js';
import { planPartitionTable } from './partitioning/plan.js';

export interface BlockDeviceSource {
  /** YAML text */
  text: string;
  /** file name for messages ('DIB_BLOCK_DEVICE_CONFIG' when inline) */
  file: string;
}

/** What the frame depends on: the config and the ids' seed, never a size. */
export interface FrameOptions {
  /** legacy disk-image-create params merged into mkfs_root */
  params?: RootfsParams;
  /** DIB_BLOCK_SIZE: overrides local_loop block_size */
  blockSize?: number;
  /** seed of every derived id (GUIDs, UUIDs, disk signature); default: hash of the config text */
  seed?: string;
  fstabBy?: FstabBy;
  /** a tree goes into the image (a build, `create --root`): a filesystem must be mounted at / */
  requireRoot?: boolean;
}

/** What the sizes depend on: the image size given, or the measured tree. */
export interface SizeOptions {
  /** DIB's image-size param (--image-size / DIB_IMAGE_SIZE), used when local_loop has no size */
  imageSizeBytes?: Bytes;
  /** measured tree, for the image size when none is given */
  tree?: { usedKiB: number };
  /** DIB_IMAGE_EXTRA_SIZE (MiB) */
  extraSizeMiB?: number;
  /** DIB_JOURNAL_SIZE (MiB) */
  journalMiB?: number;
  /** smallest xfs the host's mkfs.xfs accepts (xfsprogs >= 5.19: 300 MiB); 0 turns the check off */
  xfsMinBytes?: number;
  /**
   * mkfs_root's options when they depend on its size (disk-image-create's ext4 journal), used only
   * where neither the YAML nor the frame's params gave mkfs_root options
   */
  rootFsOpts?: string;
}

export type PlanOptions = FrameOptions & SizeOptions;

/**
 * A layout without sizes: the checked config, every id (filesystem UUIDs from the seed), the mount
 * tree and the fstab. Partition GUIDs, disk signatures and LVM ids are derived from the same seed and
 * node names when the frame is sized, so they do not depend on the size either.
 */
export interface BlockDeviceFrame {
  source: string;
  seed: string;
  resolved: ResolvedConfig;
  image: { name: string; sectorSize: 512 | 4096; where: string; configBytes?: Bytes };
  filesystems: FilesystemFrame[];
  mounts: MountPlan[];
  fstab: FstabLine[];
  hasLvm: boolean;
  /** the filesystem types, sorted (the mkfs tools a build needs) */
  fsTypes: string[];
  /** mkfs_root has no options of its own: SizeOptions.rootFsOpts applies */
  rootOptsOpen: boolean;
  warnings: string[];
}

/** `found.rootOptsOpen`: whether mkfs_root exists with no `opts` after the params were merged. */
export function loadResolvedConfig(
  src: BlockDeviceSource,
  params: RootfsParams | undefined,
  ctx: NodeContext,
  found: { rootOptsOpen?: boolean } = {},
): ResolvedConfig {
  const parsed = parseYamlWithLines(src.text, src.file);
  ctx.whereOf = (o) => (typeof o === 'object' && o !== null && parsed.lines.has(o) ? `${src.file}:${parsed.lines.get(o)}` : undefined);
  const graph = configTreeToGraph(parsed, ctx.problems);
  if (params) mergeRootfsParams(graph, params);
  found.rootOptsOpen = graph.entries.some((e) => e.plugin === 'mkfs' && e.values.name === 'mkfs_root' && e.values.opts === undefined);
  const r = resolveBlockDeviceConfig(graph, ctx);
  validateResolved(r, ctx);
  return r;
}

const fail = (file: string, ctx: NodeContext): never => {
  throwIfProblems(`invalid block-device config ${file}`, ctx.problems);
  throw new Error('unreachable');
};

/** Frame the layout: parse, check, ids, mounts and fstab; every problem found is in ctx. */
function frameInto(src: BlockDeviceSource, opts: FrameOptions, ctx: NodeContext): BlockDeviceFrame | undefined {
  const seed = opts.seed ?? `kiln-bd:${createHash('sha256').update(src.text).digest('hex').slice(0, 32)}`;
  const found: { rootOptsOpen?: boolean } = {};
  const r = loadResolvedConfig(src, opts.params, ctx, found);
  if (opts.requireRoot) validateRootMount(r, ctx, src.file);
  const imageNode = r.images[0];
  if (!imageNode) {
    ctx.problems.push(new KilnError('no local_loop node: nothing describes the image', { where: `${src.file}:1`, hint: 'add "- local_loop: {name: image0}"' }));
    return undefined;
  }
  const sectorSize = (opts.blockSize ?? imageNode.blockSize ?? 512) as 512 | 4096;
  if (opts.blockSize !== undefined && opts.blockSize !== 512 && opts.blockSize !== 4096) {
    ctx.problems.push(new KilnError(`DIB_BLOCK_SIZE=${opts.blockSize} is not supported`, { where: 'DIB_BLOCK_SIZE', hint: 'use 512 or 4096' }));
    return undefined;
  }
  const filesystems = frameFilesystems(r, imageNode.name, seed);
  const mounts = planMounts(r, filesystems);
  return {
    source: src.file,
    seed,
    resolved: r,
    image: { name: imageNode.name, sectorSize, where: imageNode.where, ...(imageNode.sizeBytes !== undefined ? { configBytes: imageNode.sizeBytes } : {}) },
    filesystems,
    mounts,
    fstab: planFstab(r, mounts, filesystems, opts.fstabBy ?? 'label'),
    hasLvm: r.lvms.length > 0,
    fsTypes: [...new Set(filesystems.map((f) => f.type))].sort(),
    rootOptsOpen: found.rootOptsOpen === true,
    warnings: [...ctx.warnings],
  };
}

/** Size a frame: the image, the tables, the LVM extents and each filesystem's bytes; problems in ctx. */
function sizeInto(frame: BlockDeviceFrame, opts: SizeOptions, ctx: NodeContext): BlockDevicePlan | undefined {
  const r = frame.resolved;
  const image = planImage(r, frame.image.name, frame.image.configBytes, frame.image.sectorSize, opts, ctx);
  if (!image) return undefined;
  const tables = r.tables.filter((t) => t.base === image.name).map((t) => planPartitionTable(t, image, frame.seed, ctx.problems));
  const parts = new Map<string, PartitionPlan>(tables.flatMap((t) => t.partitions.map((p) => [p.name, p] as const)));
  const lvm = r.lvms.map((l) => planLvm(l, parts, frame.seed, ctx.problems));
  for (const l of r.lvms) ctx.warnings.push(...unappliedOptionWarnings(l));
  const rootOpts = frame.rootOptsOpen ? (opts.rootFsOpts ?? '').trim().split(' ').filter(Boolean) : [];
  const framed = rootOpts.length > 0 ? frame.filesystems.map((f) => (f.name === 'mkfs_root' ? { ...f, opts: rootOpts } : f)) : frame.filesystems;
  const filesystems = sizeFilesystems(framed, image, parts, lvm);
  checkXfsSizes(filesystems, opts.xfsMinBytes ?? XFS_MIN_BYTES, ctx.problems);
  if (ctx.problems.length > 0) return undefined;
  if (filesystems.length !== frame.filesystems.length) throw new Error('internal: a framed filesystem got no bytes, and no problem says why');
  return {
    version: 1,
    source: frame.source,
    image,
    partitionTables: tables,
    lvm,
    filesystems,
    mounts: frame.mounts,
    fstab: frame.fstab,
    callOrder: r.callOrder,
    warnings: ctx.warnings,
  };
}

/** The layout's frame (no sizes); throws every problem at once, each with its file:line. */
export function frameBlockDevice(src: BlockDeviceSource, opts: FrameOptions = {}): BlockDeviceFrame {
  const ctx: NodeContext = { problems: [], warnings: [] };
  const frame = frameInto(src, opts, ctx);
  if (!frame || ctx.problems.length > 0) return fail(src.file, ctx);
  return frame;
}

/** The frame sized: the image size is given (config, --image-size) or measured from the final tree. */
export function sizeBlockDevice(frame: BlockDeviceFrame, opts: SizeOptions = {}): BlockDevicePlan {
  const ctx: NodeContext = { problems: [], warnings: [...frame.warnings] };
  const plan = sizeInto(frame, opts, ctx);
  if (!plan) return fail(frame.source, ctx);
  return plan;
}

/** Frame and size at once (`kiln plan block-device`, `create`); every problem of both, at once. */
export function planBlockDevice(src: BlockDeviceSource, opts: PlanOptions = {}): BlockDevicePlan {
  const ctx: NodeContext = { problems: [], warnings: [] };
  const frame = frameInto(src, opts, ctx);
  const plan = frame ? sizeInto(frame, opts, ctx) : undefined;
  if (!plan || ctx.problems.length > 0) return fail(src.file, ctx);
  return plan;
}

export { formatFstab };
