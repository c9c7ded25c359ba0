/**
 * OVERWRITE_OLD_IMAGE: at 0 (DIB's default) an existing output is kept by renaming it to
 * NAME-YYYY.MM.DD-HH.MM.SS.EXT, with its .md5/.sha256 renamed alongside; at 1 it is replaced
 * (and its stale checksum files removed, so they never describe other bytes).
 * The time stamp is UTC (DIB uses the host's local time).
 */
import { existsSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { CHECKSUM_ALGORITHMS, checksumPath } from './checksum.js';

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

export function formatBackupStamp(now: Date): string {
  return `${now.getUTCFullYear()}.${pad(now.getUTCMonth() + 1)}.${pad(now.getUTCDate())}-` +
    `${pad(now.getUTCHours())}.${pad(now.getUTCMinutes())}.${pad(now.getUTCSeconds())}`;
}

/** dir/NAME.EXT -> dir/NAME-STAMP.EXT, where EXT may have several parts (docker.tar, raw.zst). */
export function backupName(file: string, imageName: string, now: Date): string {
  const base = basename(file);
  const ext = base.startsWith(`${imageName}.`) ? base.slice(imageName.length + 1) : '';
  const name = ext ? `${imageName}-${formatBackupStamp(now)}.${ext}` : `${base}-${formatBackupStamp(now)}`;
  return join(dirname(file), name);
}

/** Make room for `file`; returns the renamed files (empty when nothing was there). */
export function makeRoomForOutput(file: string, imageName: string, overwrite: boolean, now: Date): string[] {
  const companions = CHECKSUM_ALGORITHMS.map((a) => checksumPath(file, a));
  if (overwrite) {
    for (const c of companions) rmSync(c, { force: true });
    return [];
  }
  if (!existsSync(file)) return [];
  const target = backupName(file, imageName, now);
  renameSync(file, target);
  const moved = [target];
  for (const [i, c] of companions.entries()) {
    if (!existsSync(c)) continue;
    const t = checksumPath(target, CHECKSUM_ALGORITHMS[i]!);
    renameSync(c, t);
    moved.push(t);
  }
  return moved;
}
