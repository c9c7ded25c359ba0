/**
 * executeBlockDevice(): apply a BlockDevicePlan to a plain image file. No loop device, no
 * device-mapper, no mount: a sparse file (truncate), partition tables and LVM metadata written as
 * bytes at their offsets, and each filesystem made from its own directory straight into its byte
 * range (makeFilesystem). The fstab is written into the tree first, as DIB does before finalise.
 */
import { closeSync, ftruncateSync, mkdtempSync, openSync, unlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CleanupStack } from '../cleanup.js';
import { removeScratchDir } from '../sandbox/mounts.js';
import { labelsOfFilesystem, type SelinuxLabels } from '../tree/selinux-labels.js';
import { bytes } from '../units.js';
import type { BlockDevicePlan, FilesystemPlan } from './common/plan-types.js';
import { writeSectors } from './common/sectors.js';
import { lvmVgOf } from './lvm/execute.js';
import { writeLvm } from './lvm/write.js';
import { copyRanges } from './mkfs/copy.js';
import { makeFilesystem } from './mkfs/index.js';
import { measureTree, splitTree, writeFstab, type TreeContext } from './mount/tree.js';
import { encodeGpt } from './partitioning/encode-gpt.js';
import { encodeMbr } from './partitioning/encode-mbr.js';
import { gptTableOf } from './partitioning/plan-gpt.js';
import { mbrTableOf } from './partitioning/plan-mbr.js';

export interface ExecuteOptions {
  /** the root tree to split into the filesystems; absent: empty filesystems */
  treeDir?: string;
  imagePath: string;
  /** SOURCE_DATE_EPOCH for reproducible filesystems and LVM metadata */
  epoch?: number;
  /** seed for ids the plan does not fix (fs hash seeds, FAT serials) */
  seed?: string;
  /** write <tree>/etc/fstab first (default true when treeDir is given) */
  writeFstab?: boolean;
  /**
   * SELinux labels of the tree (image-absolute paths) that are not in it as xattrs: written into
   * each ext filesystem after mkfs (src/tree/selinux-labels.ts)
   */
  selinuxLabels?: SelinuxLabels;
}

export interface ExecuteResult {
  /** KiB of files each filesystem was made from (du -s -x -k of its part of the tree), by mkfs node name */
  usedKiB: Record<string, number>;
}

export async function executeBlockDevice(ctx: TreeContext, plan: BlockDevicePlan, o: ExecuteOptions): Promise<ExecuteResult> {
  const cleanup = new CleanupStack(ctx.log);
  const epoch = o.epoch ?? Math.floor(Date.now() / 1000);
  const seed = o.seed ?? `${plan.source}:${plan.image.name}`;
  let ok = false;
  const usedKiB: Record<string, number> = {};
  try {
    const fd = openSync(o.imagePath, 'w');
    cleanup.push('remove the unfinished image', () => {
      if (!ok) unlinkSync(o.imagePath);
    });
    try {
      ftruncateSync(fd, plan.image.sizeBytes);
    } finally {
      closeSync(fd);
    }
    ctx.log.info(`image ${o.imagePath}: ${plan.image.sizeBytes} bytes, ${plan.image.sectorSize}-byte sectors`);

    for (const t of plan.partitionTables) {
      if (t.label === 'mbr') writeSectors(o.imagePath, 512, encodeMbr(mbrTableOf(t)));
      else {
        const ss = plan.image.sectorSize;
        writeSectors(o.imagePath, ss, encodeGpt(gptTableOf(t, plan.image.sizeBytes / ss, ss)));
      }
      ctx.log.info(`${t.label} table ${t.name}: ${t.partitions.length} partitions`);
    }
    for (const l of plan.lvm) {
      for (const vg of l.vgs) {
        const { vg: encoded, offsets } = lvmVgOf(plan, l, vg.name, epoch);
        writeLvm(o.imagePath, offsets, encoded);
        ctx.log.info(`lvm vg ${vg.name}: ${vg.pvs.length} pv, ${l.lvs.filter((x) => x.vg === vg.name).length} lv`);
      }
    }

    let sources = new Map<string, string>();
    let restore = async (): Promise<void> => {};
    if (o.treeDir) {
      if (o.writeFstab ?? true) await writeFstab(ctx, plan, o.treeDir);
      const split = await splitTree(ctx, plan, o.treeDir);
      cleanup.push('move the split subtrees back', () => split.restore());
      sources = split.sources;
      restore = split.restore;
    }
    for (const fs of plan.filesystems) {
      const src = sources.get(fs.name);
      usedKiB[fs.name] = src ? await measureTree(ctx, src) : 0;
    }
    const mountPoints = plan.mounts.filter((m) => m.mountPoint !== 'none').map((m) => m.mountPoint);
    for (const fs of plan.filesystems) {
      const labels =
        o.selinuxLabels && fs.mountPoint && /^ext[234]$/.test(fs.type) ? labelsOfFilesystem(o.selinuxLabels, fs.mountPoint, mountPoints) : undefined;
      await makeOne(ctx, fs, o.imagePath, sources.get(fs.name), epoch, `${seed}:${fs.name}`, cleanup, labels);
    }
    await restore(); // on success a failed restore is an error, not a logged cleanup warning
    ok = true;
  } finally {
    await cleanup.run();
  }
  return { usedKiB };
}

async function makeOne(
  ctx: TreeContext,
  fs: FilesystemPlan,
  image: string,
  sourceDir: string | undefined,
  epoch: number,
  seed: string,
  cleanup: CleanupStack,
  selinuxLabels?: ReadonlyMap<string, string>,
): Promise<void> {
  const req = {
    type: fs.type,
    label: fs.label,
    uuid: fs.uuid,
    opts: fs.opts,
    epoch,
    seed,
    ...(sourceDir ? { sourceDir } : {}),
    ...(selinuxLabels ? { selinuxLabels } : {}),
  };
  ctx.log.debug(`mkfs ${fs.name}: ${fs.type} '${fs.label}' at ${fs.offsetBytes} (+${fs.sizeBytes})${fs.mountPoint ? ` for ${fs.mountPoint}` : ''}`);
  if (fs.extents.length === 1) {
    await makeFilesystem(ctx, { ...req, image, offsetBytes: fs.offsetBytes, sizeBytes: fs.sizeBytes });
    return;
  }
  // An LV spanning non-adjacent PV regions: build it in a scratch file, then copy its data
  // extents piece by piece (holes stay holes).
  // beside the image: in a build, inside its workspace
  const dir = mkdtempSync(join(dirname(image), '.kiln-lv-'));
  cleanup.push(`remove ${dir}`, () => removeScratchDir(dir));
  const scratch = join(dir, `${fs.name}.img`);
  const fd = openSync(scratch, 'w');
  try {
    ftruncateSync(fd, fs.sizeBytes);
  } finally {
    closeSync(fd);
  }
  await makeFilesystem(ctx, { ...req, image: scratch, offsetBytes: bytes(0), sizeBytes: fs.sizeBytes });
  copyRanges(scratch, image, fs.extents);
}
