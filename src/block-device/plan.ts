/**
 * planBlockDevice(): DIB block-device YAML (tree or graph form) -> BlockDevicePlan, purely.
 * Every problem (syntax aside) is collected across parsing, graph building, validation and layout
 * and thrown at once (throwIfProblems), each with its file:line, before any byte is written.
 * The layout is planned level by level, each by its node type's planner (<type>/plan.ts).
 */
import { createHash } from 'node:crypto';
import { KilnError, throwIfProblems } from './../errors.js';
import type { Bytes } from '../units.js';
import type { BlockDevicePlan, FstabBy, PartitionPlan } from './common/plan-types.js';
import { mergeRootfsParams, type RootfsParams } from './graph/legacy-params.js';
import { parseYamlWithLines } from './graph/parse-yaml.js';
import { resolveBlockDeviceConfig } from './graph/resolve.js';
import { configTreeToGraph } from './graph/tree-to-graph.js';
import type { NodeContext, ResolvedConfig } from './graph/types.js';
import { validateResolved, validateRootMount } from './graph/validate.js';
import { planImage } from './image/plan.js';
import { planLvm, unappliedOptionWarnings } from './lvm/plan.js';
import { checkXfsSizes, planFilesystems, XFS_MIN_BYTES } from './mkfs/plan.js';
import { formatFstab, planFstab, planMounts } from './mount/plan.js';
import { planPartitionTable } from './partitioning/plan.js';

export interface BlockDeviceSource {
  /** YAML text */
  text: string;
  /** file name for messages ('DIB_BLOCK_DEVICE_CONFIG' when inline) */
  file: string;
}

export interface PlanOptions {
  /** legacy disk-image-create params merged into mkfs_root */
  params?: RootfsParams;
  /** DIB's image-size param (--image-size / DIB_IMAGE_SIZE), used when local_loop has no size */
  imageSizeBytes?: Bytes;
  /** DIB_BLOCK_SIZE: overrides local_loop block_size */
  blockSize?: number;
  /** measured tree, for the image size when none is given */
  tree?: { usedKiB: number };
  /** DIB_IMAGE_EXTRA_SIZE (MiB) */
  extraSizeMiB?: number;
  /** DIB_JOURNAL_SIZE (MiB) */
  journalMiB?: number;
  /** seed of every derived id (GUIDs, UUIDs, disk signature); default: hash of the config text */
  seed?: string;
  fstabBy?: FstabBy;
  /** smallest xfs the host's mkfs.xfs accepts (xfsprogs >= 5.19: 300 MiB); 0 turns the check off */
  xfsMinBytes?: number;
  /** a tree goes into the image (a build, `create --root`): a filesystem must be mounted at / */
  requireRoot?: boolean;
}

export function loadResolvedConfig(src: BlockDeviceSource, params: RootfsParams | undefined, ctx: NodeContext): ResolvedConfig {
  const parsed = parseYamlWithLines(src.text, src.file);
  ctx.whereOf = (o) => (typeof o === 'object' && o !== null && parsed.lines.has(o) ? `${src.file}:${parsed.lines.get(o)}` : undefined);
  const graph = configTreeToGraph(parsed, ctx.problems);
  if (params) mergeRootfsParams(graph, params);
  const r = resolveBlockDeviceConfig(graph, ctx);
  validateResolved(r, ctx);
  return r;
}

export function planBlockDevice(src: BlockDeviceSource, opts: PlanOptions = {}): BlockDevicePlan {
  const ctx: NodeContext = { problems: [], warnings: [] };
  const seed = opts.seed ?? `kiln-bd:${createHash('sha256').update(src.text).digest('hex').slice(0, 32)}`;
  const r = loadResolvedConfig(src, opts.params, ctx);
  if (opts.requireRoot) validateRootMount(r, ctx, src.file);
  const fail = (): never => {
    throwIfProblems(`invalid block-device config ${src.file}`, ctx.problems);
    throw new Error('unreachable');
  };
  const imageNode = r.images[0];
  if (!imageNode) {
    ctx.problems.push(new KilnError('no local_loop node: nothing describes the image', { where: `${src.file}:1`, hint: 'add "- local_loop: {name: image0}"' }));
    return fail();
  }
  const sectorSize = (opts.blockSize ?? imageNode.blockSize ?? 512) as 512 | 4096;
  if (opts.blockSize !== undefined && opts.blockSize !== 512 && opts.blockSize !== 4096) {
    ctx.problems.push(new KilnError(`DIB_BLOCK_SIZE=${opts.blockSize} is not supported`, { where: 'DIB_BLOCK_SIZE', hint: 'use 512 or 4096' }));
    return fail();
  }
  const image = planImage(r, imageNode.name, imageNode.sizeBytes, sectorSize, opts, ctx);
  if (!image) return fail();

  const tables = r.tables.filter((t) => t.base === image.name).map((t) => planPartitionTable(t, image, seed, ctx.problems));
  const parts = new Map<string, PartitionPlan>(tables.flatMap((t) => t.partitions.map((p) => [p.name, p] as const)));
  const lvm = r.lvms.map((l) => planLvm(l, parts, seed, ctx.problems));
  for (const l of r.lvms) ctx.warnings.push(...unappliedOptionWarnings(l));
  const filesystems = planFilesystems(r, image, parts, lvm, seed);
  checkXfsSizes(filesystems, opts.xfsMinBytes ?? XFS_MIN_BYTES, ctx.problems);
  const mounts = planMounts(r, filesystems);
  const fstab = planFstab(r, mounts, filesystems, opts.fstabBy ?? 'label');
  if (ctx.problems.length > 0) return fail();
  return { version: 1, source: src.file, image, partitionTables: tables, lvm, filesystems, mounts, fstab, callOrder: r.callOrder, warnings: ctx.warnings };
}

export { formatFstab };
