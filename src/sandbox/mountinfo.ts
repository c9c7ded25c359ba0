/**
 * The mount table as the kernel reports it in /proc/self/mountinfo (proc(5)). A mount point is
 * found only here: a bind mount of a directory of the same filesystem has the same st_dev as its
 * parent, so neither `rm --one-file-system` nor `du -x` notices it.
 */
import { readFileSync, realpathSync } from 'node:fs';
import { resolve } from 'node:path';

export interface MountEntry {
  /** (1) mount ID: unique until the mount is gone */
  id: number;
  /** (2) parent mount ID */
  parentId: number;
  /** (4) the directory of the source filesystem that is mounted here (a bind mount's source) */
  root: string;
  /** (5) mount point, relative to this process's root */
  mountPoint: string;
  /** (7) optional fields, e.g. `shared:1`, `master:2` */
  optional: string[];
  /** (9) filesystem type */
  fsType: string;
  /** (10) mount source */
  source: string;
}

/**
 * The kernel escapes space, tab, newline and backslash in paths as 3-digit octal (`\040`,
 * `\011`, `\012`, `\134`); decode any such escape.
 */
export function decodeMountField(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_m, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

/**
 * One line: `ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTS`.
 * The optional fields end at the single `-` field; unescaped fields never contain spaces.
 */
export function parseMountInfo(text: string): MountEntry[] {
  const entries: MountEntry[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const f = line.split(' ');
    const sep = f.indexOf('-', 6);
    if (f.length < 10 || sep < 0 || sep + 2 >= f.length) throw new Error(`malformed mountinfo line: ${line}`);
    entries.push({
      id: Number(f[0]),
      parentId: Number(f[1]),
      root: decodeMountField(f[3]!),
      mountPoint: decodeMountField(f[4]!),
      optional: f.slice(6, sep),
      fsType: decodeMountField(f[sep + 1]!),
      source: decodeMountField(f[sep + 2]!),
    });
  }
  return entries;
}

export function readMountInfo(file = '/proc/self/mountinfo'): MountEntry[] {
  return parseMountInfo(readFileSync(file, 'utf8'));
}

/** Mounts at or below `dir` (a real path: no symlinks), in the table's order (mount order). */
export function mountsUnder(mounts: MountEntry[], dir: string): MountEntry[] {
  const prefix = dir.endsWith('/') ? dir : `${dir}/`;
  return mounts.filter((m) => m.mountPoint === dir || m.mountPoint.startsWith(prefix));
}

/** `dir` as the mount table spells it: symlinks resolved (the table holds real paths). */
export function realDir(dir: string): string {
  try {
    return realpathSync(dir);
  } catch {
    return resolve(dir);
  }
}
