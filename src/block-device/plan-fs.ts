/**
 * Filesystems, mount order and fstab lines. A filesystem's bytes are its partition, its LV's
 * segments (adjacent ones merged) or the whole image. fstab as DIB's cmd_writefstab: one line per
 * mount that has an fstab node, in mount order, `LABEL=<label> <mp> <type> <opts> <dump> <passno>`
 * (DIB always has a label: it defaults to the node name); `fstabBy: 'uuid'` writes UUID= instead.
 * Swap (DIB 3.42): mount point none, options sw, passno 0.
 */
import { deriveGuid } from './encode/guid.js';
import { sortMountPoints } from './mount-order.js';
import type { ResolvedConfig } from './nodes/types.js';
import type { ByteRange, FilesystemPlan, FstabBy, FstabLine, ImagePlan, LvmPlan, MountPlan, PartitionPlan } from './plan-types.js';

const FS_BLOCK = 4096;

export function planFilesystems(r: ResolvedConfig, image: ImagePlan, parts: Map<string, PartitionPlan>, lvm: LvmPlan[], seed: string): FilesystemPlan[] {
  const out: FilesystemPlan[] = [];
  for (const m of r.mkfs) {
    let extents: ByteRange[] | undefined;
    let kind: FilesystemPlan['device']['kind'] = 'partition';
    const part = parts.get(m.base);
    const lv = lvm.flatMap((l) => l.lvs).find((x) => x.name === m.base);
    // a filesystem uses whole 4 KiB blocks: an MBR partition of N% can end mid-block (mkfs on a
    // device rounds down the same way)
    if (part) extents = [{ offsetBytes: part.offsetBytes, sizeBytes: part.sizeBytes - (part.sizeBytes % FS_BLOCK) }];
    else if (lv) { kind = 'lv'; extents = mergeRanges(lv.segments); }
    else if (m.base === image.name) { kind = 'image'; extents = [{ offsetBytes: 0, sizeBytes: image.sizeBytes - (image.sizeBytes % FS_BLOCK) }]; }
    if (!extents) continue; // base problems are reported by validate/resolve
    const mount = r.mounts.find((x) => x.base === m.name);
    const fs: FilesystemPlan = {
      name: m.name, type: m.type, label: m.label, uuid: m.uuid ?? deriveGuid(seed, `fs:${m.name}`), opts: m.opts,
      device: { kind, name: m.base }, extents, offsetBytes: extents[0]!.offsetBytes, sizeBytes: extents.reduce((s, e) => s + e.sizeBytes, 0), where: m.where,
    };
    if (mount) fs.mountPoint = m.type === 'swap' ? 'none' : mount.mountPoint;
    out.push(fs);
  }
  // disk order: the same whatever the config's form (tree entries come out nested-first)
  return out.sort((a, b) => a.offsetBytes - b.offsetBytes || (a.name < b.name ? -1 : 1));
}

function mergeRanges(segs: ByteRange[]): ByteRange[] {
  const out: ByteRange[] = [];
  for (const s of segs) {
    const last = out[out.length - 1];
    if (last && last.offsetBytes + last.sizeBytes === s.offsetBytes) last.sizeBytes += s.sizeBytes;
    else out.push({ offsetBytes: s.offsetBytes, sizeBytes: s.sizeBytes });
  }
  return out;
}

export function planMounts(r: ResolvedConfig, filesystems: FilesystemPlan[]): MountPlan[] {
  const withFs = r.mounts
    .map((m) => ({ m, fs: filesystems.find((f) => f.name === m.base) }))
    .filter((x) => x.fs !== undefined)
    .map((x) => ({ name: x.m.name, mountPoint: x.fs!.type === 'swap' ? 'none' : x.m.mountPoint, filesystem: x.fs!.name }));
  return sortMountPoints(withFs);
}

export function planFstab(r: ResolvedConfig, mounts: MountPlan[], filesystems: FilesystemPlan[], by: FstabBy): FstabLine[] {
  const lines: FstabLine[] = [];
  for (const m of mounts) {
    const f = r.fstabs.find((x) => x.base === m.name);
    const fs = filesystems.find((x) => x.name === m.filesystem);
    if (!f || !fs) continue;
    const swap = fs.type === 'swap';
    lines.push({
      // vfat has no UUID we control in the plan (its volume id is derived by the mkfs layer): keep LABEL=
      spec: by === 'uuid' && fs.type !== 'vfat' && fs.type !== 'fat' ? `UUID=${fs.uuid}` : `LABEL=${fs.label}`,
      mountPoint: m.mountPoint, type: fs.type, options: swap ? 'sw' : f.options, dumpFreq: f.dumpFreq, passno: swap ? 0 : f.passno,
    });
  }
  return lines;
}

export function formatFstab(lines: FstabLine[]): string {
  return lines.map((l) => `${l.spec} ${l.mountPoint} ${l.type} ${l.options} ${l.dumpFreq} ${l.passno}\n`).join('');
}
