/**
 * planBlockDevice(): DIB block-device YAML (tree or graph form) -> BlockDevicePlan, purely.
 * Every problem (syntax aside) is collected across parsing, graph building, validation and layout
 * and thrown at once (throwIfProblems), each with its file:line, before any byte is written.
 */
import { createHash } from 'node:crypto';
import { KilnError, throwIfProblems } from './../errors.js';
import type { Bytes } from '../units.js';
import { deriveU32 } from './encode/guid.js';
import { mergeRootfsParams, type RootfsParams } from './legacy-params.js';
import type { NodeContext, ResolvedConfig } from './nodes/types.js';
import { parseYamlWithLines } from './parse-yaml.js';
import { formatFstab, planFilesystems, planFstab, planMounts } from './plan-fs.js';
import { planGpt } from './plan-gpt.js';
import { planLvm } from './plan-lvm.js';
import { planMbr } from './plan-mbr.js';
import { planImageSize } from './plan-size.js';
import type { BlockDevicePlan, FstabBy, ImagePlan, PartitionPlan } from './plan-types.js';
import { resolveBlockDeviceConfig } from './resolve.js';
import { configTreeToGraph } from './tree-to-graph.js';
import { validateResolved, validateRootMount } from './validate.js';

const XFS_MIN_BYTES = 300 * 1024 * 1024;

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

  const tables = r.tables.filter((t) => t.base === image.name).map((t) => {
    if (t.label === 'mbr') {
      if (sectorSize !== 512) ctx.problems.push(new KilnError(`MBR ${t.name}: block_size ${sectorSize} is not supported (DIB's MBR writer assumes 512-byte sectors)`, { where: t.where, hint: 'use label: gpt for 4K-sector images' }));
      return planMbr(t, image.sizeBytes, deriveU32(seed, `mbr-disk-signature:${t.name}`), ctx.problems);
    }
    return planGpt(t, image.sizeBytes, sectorSize, seed, ctx.problems);
  });
  const parts = new Map<string, PartitionPlan>(tables.flatMap((t) => t.partitions.map((p) => [p.name, p] as const)));
  const lvm = r.lvms.map((l) => planLvm(l, parts, seed, ctx.problems));
  for (const l of r.lvms) {
    for (const item of [...l.pvs, ...l.vgs, ...l.lvs]) {
      // Kiln writes the metadata itself: pvcreate/vgcreate/lvcreate options have nothing to go to
      // (flags that only answer prompts mean nothing here: the metadata is always written fresh)
      const options = item.options.filter((o) => !['--force', '-f', '-ff', '--yes', '-y'].includes(o));
      if (options.length > 0) ctx.warnings.push(`lvm ${item.kind} ${item.name}: options ${JSON.stringify(options)} are not applied (Kiln writes LVM metadata without the lvm tools)`);
    }
  }
  const filesystems = planFilesystems(r, image, parts, lvm, seed);
  for (const f of filesystems) {
    // xfsprogs >= 5.19 refuses filesystems under 300 MiB; say so before writing anything
    if (f.type === 'xfs' && f.sizeBytes < (opts.xfsMinBytes ?? XFS_MIN_BYTES)) {
      ctx.problems.push(new KilnError(`mkfs ${f.name}: xfs needs at least 300 MiB, ${f.device.kind} ${f.device.name} has ${f.sizeBytes} bytes`, { where: f.where, hint: 'make it bigger or use ext4' }));
    }
  }
  const mounts = planMounts(r, filesystems);
  const fstab = planFstab(r, mounts, filesystems, opts.fstabBy ?? 'label');
  if (ctx.problems.length > 0) return fail();
  return { version: 1, source: src.file, image, partitionTables: tables, lvm, filesystems, mounts, fstab, callOrder: r.callOrder, warnings: ctx.warnings };
}

function planImage(r: ResolvedConfig, name: string, configBytes: number | undefined, sectorSize: 512 | 4096, opts: PlanOptions, ctx: NodeContext): ImagePlan | undefined {
  let image: ImagePlan;
  if (configBytes !== undefined) image = { name, sizeBytes: configBytes, sectorSize, sizeFrom: 'config' };
  else if (opts.imageSizeBytes !== undefined) image = { name, sizeBytes: opts.imageSizeBytes, sectorSize, sizeFrom: 'param' };
  else if (opts.tree) {
    const rootFs = r.mkfs.find((m) => r.mounts.some((x) => x.base === m.name && x.mountPoint === '/'));
    const hasEsp = r.tables.some((t) => t.partitions.some((p) => p.gptType?.toUpperCase() === 'EF00' || p.mbrType === 0xef))
      || r.mkfs.some((m) => (m.type === 'vfat' || m.type === 'fat') && r.mounts.some((x) => x.base === m.name && x.mountPoint === '/boot/efi'));
    const report = planImageSize({ treeKiB: opts.tree.usedKiB, ext4Root: rootFs?.type === 'ext4', hasEsp,
      ...(opts.extraSizeMiB !== undefined ? { extraMiB: opts.extraSizeMiB } : {}), ...(opts.journalMiB !== undefined ? { journalMiB: opts.journalMiB } : {}) });
    image = { name, sizeBytes: report.totalKiB * 1024, sectorSize, sizeFrom: 'measured', sizeReport: report };
  } else {
    ctx.problems.push(new KilnError(`local_loop ${name}: no image size`, { where: r.images[0]!.where, hint: 'set size: on the local_loop, pass --image-size, or give a tree to measure (--root)' }));
    return undefined;
  }
  const rounded = Math.floor(image.sizeBytes / sectorSize) * sectorSize;
  if (rounded !== image.sizeBytes) {
    ctx.warnings.push(`image size ${image.sizeBytes} rounded down to ${rounded} (a multiple of the ${sectorSize}-byte sector)`);
    image.sizeBytes = rounded;
  }
  if (image.sizeBytes < 1024 * 1024) ctx.problems.push(new KilnError(`image size ${image.sizeBytes} bytes is too small`, { where: r.images[0]!.where, hint: 'give at least a few MiB' }));
  return image;
}

export { formatFstab };
