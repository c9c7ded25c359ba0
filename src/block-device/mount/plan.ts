/**
 * Mount order and fstab lines. fstab as DIB's cmd_writefstab: one line per mount that has an fstab
 * node, in mount order, `LABEL=<label> <mp> <type> <opts> <dump> <passno>` (DIB always has a label:
 * it defaults to the node name); `fstabBy: 'uuid'` writes UUID= instead. Swap (DIB 3.42): mount
 * point none, options sw, passno 0.
 */
import type { FilesystemPlan, FstabBy, FstabLine, MountPlan } from '../common/plan-types.js';
import type { ResolvedConfig } from '../graph/types.js';
import { sortMountPoints } from './order.js';

/** What mounts and fstab lines need of a filesystem: no size. */
type FsIdentity = Pick<FilesystemPlan, 'name' | 'type' | 'label' | 'uuid'>;

export function planMounts(r: ResolvedConfig, filesystems: FsIdentity[]): MountPlan[] {
  const withFs = r.mounts
    .map((m) => ({ m, fs: filesystems.find((f) => f.name === m.base) }))
    .filter((x) => x.fs !== undefined)
    .map((x) => ({ name: x.m.name, mountPoint: x.fs!.type === 'swap' ? 'none' : x.m.mountPoint, filesystem: x.fs!.name }));
  return sortMountPoints(withFs);
}

export function planFstab(r: ResolvedConfig, mounts: MountPlan[], filesystems: FsIdentity[], by: FstabBy): FstabLine[] {
  const lines: FstabLine[] = [];
  for (const m of mounts) {
    const f = r.fstabs.find((x) => x.base === m.name);
    const fs = filesystems.find((x) => x.name === m.filesystem);
    if (!f || !fs) continue;
    const swap = fs.type === 'swap';
    lines.push({
      // vfat has no UUID we control in the plan (its volume id is derived by the mkfs layer): keep LABEL=
      spec: by === 'uuid' && fs.type !== 'vfat' && fs.type !== 'fat' ? `UUID=${fs.uuid}` : `LABEL=${fs.label}`,
      mountPoint: m.mountPoint,
      type: fs.type,
      options: swap ? 'sw' : f.options,
      dumpFreq: f.dumpFreq,
      passno: swap ? 0 : f.passno,
    });
  }
  return lines;
}

export function formatFstab(lines: FstabLine[]): string {
  return lines.map((l) => `${l.spec} ${l.mountPoint} ${l.type} ${l.options} ${l.dumpFreq} ${l.passno}\n`).join('');
}
