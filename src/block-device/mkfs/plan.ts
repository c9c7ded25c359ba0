/**
 * Filesystems: a filesystem's bytes are its partition, its LV's segments (adjacent ones merged) or the
 * whole image, in whole 4 KiB blocks. xfsprogs' minimum size is checked here, before anything is
 * written.
 */
import { KilnError } from '../../errors.js';
import { bytes, MiB } from '../../units.js';
import { deriveGuid } from '../common/guid.js';
import type { ByteRange, FilesystemPlan, ImagePlan, LvmPlan, PartitionPlan } from '../common/plan-types.js';
import type { ResolvedConfig } from '../graph/types.js';

const FS_BLOCK = 4096;
/** xfsprogs >= 5.19 refuses filesystems under 300 MiB */
export const XFS_MIN_BYTES = bytes(300 * MiB);

/** A filesystem's identity, known before any size: what the frame (fstab, mounts, ids) needs. */
export type FilesystemFrame = Omit<FilesystemPlan, 'extents' | 'offsetBytes' | 'sizeBytes'>;

/**
 * The filesystems of a layout without their sizes: type, label, UUID (given, or derived from the seed
 * and the node's name, never from a size), what each sits on and where it is mounted.
 */
export function frameFilesystems(r: ResolvedConfig, imageName: string, seed: string): FilesystemFrame[] {
  const partitions = new Set(r.tables.filter((t) => t.base === imageName).flatMap((t) => t.partitions.map((p) => p.name)));
  const lvs = new Set(r.lvms.flatMap((l) => l.lvs.map((x) => x.name)));
  const out: FilesystemFrame[] = [];
  for (const m of r.mkfs) {
    const kind: FilesystemPlan['device']['kind'] | undefined = partitions.has(m.base)
      ? 'partition'
      : lvs.has(m.base)
        ? 'lv'
        : m.base === imageName
          ? 'image'
          : undefined;
    if (!kind) continue; // base problems are reported by validate/resolve
    const mount = r.mounts.find((x) => x.base === m.name);
    const fs: FilesystemFrame = {
      name: m.name,
      type: m.type,
      label: m.label,
      uuid: m.uuid ?? deriveGuid(seed, `fs:${m.name}`),
      opts: m.opts,
      device: { kind, name: m.base },
      where: m.where,
    };
    if (mount) fs.mountPoint = m.type === 'swap' ? 'none' : mount.mountPoint;
    out.push(fs);
  }
  return out;
}

/** Each framed filesystem's bytes: its partition, its LV's segments or the whole image, in disk order. */
export function sizeFilesystems(frames: FilesystemFrame[], image: ImagePlan, parts: Map<string, PartitionPlan>, lvm: LvmPlan[]): FilesystemPlan[] {
  const out: FilesystemPlan[] = [];
  for (const f of frames) {
    let extents: ByteRange[] | undefined;
    const part = f.device.kind === 'partition' ? parts.get(f.device.name) : undefined;
    const lv = f.device.kind === 'lv' ? lvm.flatMap((l) => l.lvs).find((x) => x.name === f.device.name) : undefined;
    // a filesystem uses whole 4 KiB blocks: an MBR partition of N% can end mid-block (mkfs on a
    // device rounds down the same way)
    if (part) extents = [{ offsetBytes: part.offsetBytes, sizeBytes: bytes(part.sizeBytes - (part.sizeBytes % FS_BLOCK)) }];
    else if (lv) extents = mergeRanges(lv.segments);
    else if (f.device.kind === 'image') extents = [{ offsetBytes: bytes(0), sizeBytes: bytes(image.sizeBytes - (image.sizeBytes % FS_BLOCK)) }];
    if (!extents) continue; // a partition or LV the planner refused: its problem is reported
    const fs: FilesystemPlan = {
      name: f.name,
      type: f.type,
      label: f.label,
      uuid: f.uuid,
      opts: [...f.opts],
      device: { ...f.device },
      extents,
      offsetBytes: extents[0]!.offsetBytes,
      sizeBytes: bytes(extents.reduce((s, e) => s + e.sizeBytes, 0)),
      where: f.where,
    };
    if (f.mountPoint !== undefined) fs.mountPoint = f.mountPoint;
    out.push(fs);
  }
  // disk order: the same whatever the config's form (tree entries come out nested-first)
  return out.sort((a, b) => a.offsetBytes - b.offsetBytes || (a.name < b.name ? -1 : 1));
}

function mergeRanges(segs: ByteRange[]): ByteRange[] {
  const out: ByteRange[] = [];
  for (const s of segs) {
    const last = out[out.length - 1];
    if (last && last.offsetBytes + last.sizeBytes === s.offsetBytes) last.sizeBytes = bytes(last.sizeBytes + s.sizeBytes);
    else out.push({ offsetBytes: s.offsetBytes, sizeBytes: s.sizeBytes });
  }
  return out;
}

/** Filesystems the host's mkfs.xfs would refuse (`minBytes` 0 turns the check off). */
export function checkXfsSizes(filesystems: FilesystemPlan[], minBytes: number, problems: KilnError[]): void {
  for (const f of filesystems) {
    if (f.type === 'xfs' && f.sizeBytes < minBytes) {
      problems.push(
        new KilnError(`mkfs ${f.name}: xfs needs at least 300 MiB, ${f.device.kind} ${f.device.name} has ${f.sizeBytes} bytes`, {
          where: f.where,
          hint: 'make it bigger or use ext4',
        }),
      );
    }
  }
}
