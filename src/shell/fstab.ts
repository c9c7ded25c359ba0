/**
 * The image's /etc/fstab, as data: which filesystem of the disk is mounted where. Pure: the
 * volumes (partitions, or the whole disk) come from volumes.ts; here their fstab names (UUID=,
 * LABEL=, PARTUUID=, PARTLABEL=, /dev/disk/by-*, /dev/vda2) are matched and the mounts ordered.
 */
import { KilnError } from '../errors.js';

export interface FstabEntry {
  spec: string;
  mountPoint: string;
  type: string;
  options: string[];
  /** 1-based line in /etc/fstab */
  line: number;
}

/** A filesystem or region of the disk image. */
export interface Volume {
  /** "partition 2 (root)", "the whole image" */
  name: string;
  /** partition number; 0 for the whole image */
  number: number;
  offset: number;
  size: number;
  /** blkid's TYPE: ext4, vfat, xfs, LVM2_member, swap ... */
  fsType?: string;
  uuid?: string;
  label?: string;
  partUuid?: string;
  partLabel?: string;
}

/** fstab's octal escapes (\040 is a space). */
const unescapeOctal = (s: string): string => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(Number.parseInt(o, 8)));

export function parseFstab(text: string): FstabEntry[] {
  const out: FstabEntry[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/#.*$/, '').trim();
    if (!line) return;
    const [spec, mountPoint, type, options] = line.split(/\s+/);
    if (!spec || !mountPoint) return;
    out.push({
      spec: unescapeOctal(spec),
      mountPoint: unescapeOctal(mountPoint),
      type: type ?? 'auto',
      options: (options ?? 'defaults').split(','),
      line: i + 1,
    });
  });
  return out;
}

/** Filesystem types that are not on the disk (nothing to extract). */
const NOT_ON_DISK = new Set([
  'proc',
  'sysfs',
  'tmpfs',
  'devpts',
  'devtmpfs',
  'cgroup',
  'cgroup2',
  'securityfs',
  'debugfs',
  'efivarfs',
  'nfs',
  'nfs4',
  'cifs',
  'none',
  'swap',
  'bind',
  'overlay',
  'fuse',
  '9p',
  'virtiofs',
]);

/** The fstab name's kind: a device Kiln can look up, LVM (unsupported), or one not on this disk. */
export type SpecMatch = { kind: 'volume'; volume: Volume } | { kind: 'lvm' } | { kind: 'unknown' };

export function matchSpec(spec: string, volumes: Volume[]): SpecMatch {
  const eq = /^(UUID|LABEL|PARTUUID|PARTLABEL)=(.*)$/.exec(spec);
  const byId = /^\/dev\/disk\/by-(uuid|label|partuuid|partlabel)\/(.+)$/.exec(spec);
  const key = eq ? eq[1]!.toLowerCase() : byId?.[1];
  const value = (eq?.[2] ?? byId?.[2] ?? '').replace(/^"(.*)"$/, '$1');
  if (key) {
    const lower = (s: string | undefined) => s?.toLowerCase();
    const hit = volumes.find((v) =>
      key === 'uuid'
        ? lower(v.uuid) === value.toLowerCase()
        : key === 'label'
          ? v.label === value
          : key === 'partuuid'
            ? lower(v.partUuid) === value.toLowerCase()
            : v.partLabel === value,
    );
    return hit ? { kind: 'volume', volume: hit } : { kind: 'unknown' };
  }
  if (/^\/dev\/mapper\//.test(spec) || /^\/dev\/dm-\d+$/.test(spec)) return { kind: 'lvm' };
  // /dev/vda2, /dev/sda2, /dev/xvda2, /dev/nvme0n1p2, /dev/mmcblk0p2: the partition's number
  const dev = /^\/dev\/(?:[shv]d[a-z]|xvd[a-z]|nvme\d+n\d+p|mmcblk\d+p)(\d+)$/.exec(spec);
  if (dev) {
    const hit = volumes.find((v) => v.number === Number(dev[1]));
    return hit ? { kind: 'volume', volume: hit } : { kind: 'unknown' };
  }
  // /dev/VG/LV
  if (/^\/dev\/[^/]+\/[^/]+$/.test(spec) && !spec.startsWith('/dev/disk/')) return { kind: 'lvm' };
  return { kind: 'unknown' };
}

export interface MountPlan {
  /** what to extract where, parents first; the root first */
  mounts: { mountPoint: string; volume: Volume; entry?: FstabEntry }[];
  /** fstab lines left out, and why (a network filesystem, a device not in this image) */
  skipped: string[];
}

const depth = (mp: string): number => (mp === '/' ? 0 : mp.split('/').length - 1);

/**
 * The mounts of the image: its root volume at /, then every fstab entry on this disk, parents
 * first. An entry on LVM, or a filesystem Kiln cannot read, is an error (its tree would be
 * incomplete); one whose device is not on this disk, or marked noauto/nofail, is skipped with a
 * note. `readable` says which filesystem types can be extracted.
 */
export function planMounts(root: Volume, entries: FstabEntry[], volumes: Volume[], readable: (fsType: string) => boolean): MountPlan {
  const mounts: MountPlan['mounts'] = [{ mountPoint: '/', volume: root }];
  const skipped: string[] = [];
  for (const e of entries) {
    const where = `/etc/fstab line ${e.line}`;
    if (e.mountPoint === '/' || !e.mountPoint.startsWith('/') || NOT_ON_DISK.has(e.type)) continue;
    const optional = e.options.includes('noauto') || e.options.includes('nofail');
    const m = matchSpec(e.spec, volumes);
    if (m.kind === 'lvm') {
      throw new KilnError(`${e.mountPoint} is on LVM (${e.spec}): kiln shell and kiln run do not read logical volumes`, {
        where,
        hint: 'boot the image instead (kiln boot-test), or build it with a layout without LVM',
      });
    }
    if (m.kind === 'unknown') {
      skipped.push(`${e.mountPoint} (${e.spec}): not on this disk${optional ? ` (${e.options.includes('noauto') ? 'noauto' : 'nofail'})` : ''}, left empty`);
      continue;
    }
    if (m.volume === root) continue;
    const type = m.volume.fsType ?? 'no filesystem';
    if (!readable(type)) {
      if (optional) {
        skipped.push(`${e.mountPoint} (${m.volume.name}): ${type} is not read by Kiln, left empty`);
        continue;
      }
      throw unsupportedFs(m.volume, e.mountPoint, where);
    }
    if (mounts.some((x) => x.mountPoint === e.mountPoint)) continue;
    mounts.push({ mountPoint: e.mountPoint, volume: m.volume, entry: e });
  }
  mounts.sort((a, b) => depth(a.mountPoint) - depth(b.mountPoint));
  return { mounts, skipped };
}

export function unsupportedFs(v: Volume, mountPoint: string, where?: string): KilnError {
  const type = v.fsType ?? 'no filesystem blkid knows';
  return new KilnError(
    type === 'LVM2_member'
      ? `${mountPoint} is on LVM (${v.name} is an LVM physical volume): kiln shell and kiln run do not read logical volumes`
      : `${mountPoint} is on ${v.name} (${type}): kiln shell and kiln run read only ext2/3/4 and vfat filesystems`,
    { ...(where ? { where } : {}), hint: 'boot the image instead (kiln boot-test), or open its tar output (-t tar) with kiln shell' },
  );
}
