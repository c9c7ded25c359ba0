/**
 * OVERWRITE_OLD_IMAGE: at 0 (DIB's default) an existing output is kept by renaming it to
 * NAME-YYYY.MM.DD-HH.MM.SS.EXT, with its .md5/.sha256 kept alongside (rewritten to name the kept
 * file, so `md5sum -c` of a kept checksum checks the kept file); at 1 it is replaced (and its
 * stale checksum files removed, so they never describe other bytes). The time stamp is UTC (DIB
 * uses the host's local time). A backup name already taken (two builds in the same second) is
 * never overwritten: NAME-STAMP-1.EXT, NAME-STAMP-2.EXT, ... are used instead.
 */
import { linkSync, lstatSync, renameSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { CHECKSUM_ALGORITHMS, checksumPath, formatChecksumLine, readChecksumFile } from './checksum.js';

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

export function formatBackupStamp(now: Date): string {
  return (
    `${now.getUTCFullYear()}.${pad(now.getUTCMonth() + 1)}.${pad(now.getUTCDate())}-` +
    `${pad(now.getUTCHours())}.${pad(now.getUTCMinutes())}.${pad(now.getUTCSeconds())}`
  );
}

/** dir/NAME.EXT -> dir/NAME-STAMP[-N].EXT, where EXT may have several parts (docker.tar, raw.zst). */
export function backupName(file: string, imageName: string, now: Date, n = 0): string {
  const base = basename(file);
  const stamp = n > 0 ? `${formatBackupStamp(now)}-${n}` : formatBackupStamp(now);
  const ext = base.startsWith(`${imageName}.`) ? base.slice(imageName.length + 1) : '';
  return join(dirname(file), ext ? `${imageName}-${stamp}.${ext}` : `${base}-${stamp}`);
}

/** Is there anything at `p`? A symlink counts, dangling or not (existsSync would follow it). */
export function present(p: string): boolean {
  try {
    lstatSync(p);
    return true;
  } catch {
    return false;
  }
}

/** Give `file` (the link itself, if it is one) the name `target` unless that is taken; false if taken. */
function claim(file: string, target: string): boolean {
  try {
    // a hard link: NAME.EXT stays readable until the new output replaces it, and EEXIST is atomic
    linkSync(file, target);
    return true;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (present(target)) return false;
    renameSync(file, target); // no hard links here (filesystem, protected_hardlinks): move it
    return true;
  }
}

/**
 * Keep the existing output `file` under a free backup name (a hard link, or a rename where links
 * are not possible). The hashes its checksum files recorded are written for the backup name once
 * the backup exists; the caller then removes the old checksum files. `temp(tail)` makes a
 * temporary file in the output directory. Returns the backup and its checksum files.
 */
export function keepOldOutput(file: string, imageName: string, now: Date, temp: (tail: string) => string): string[] {
  const sums = CHECKSUM_ALGORITHMS.map((a) => [a, readChecksumFile(checksumPath(file, a))] as const);
  let target = '';
  for (let n = 0; ; n++) {
    target = backupName(file, imageName, now, n);
    if (CHECKSUM_ALGORITHMS.some((a) => present(checksumPath(target, a)))) continue;
    if (claim(file, target)) break;
  }
  const kept = [target];
  for (const [a, hash] of sums) {
    if (!hash) continue;
    const t = temp(`kept.${a}`);
    writeFileSync(t, formatChecksumLine(hash, target));
    renameSync(t, checksumPath(target, a));
    kept.push(checksumPath(target, a));
  }
  return kept;
}
