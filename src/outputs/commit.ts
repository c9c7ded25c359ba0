/**
 * Putting one output in place, with its checksums, so that at every moment each checksum file
 * on disk describes the file beside it and no reader sees a half-written output:
 *   1. OVERWRITE_OLD_IMAGE=0: the existing output is kept under a backup name (overwrite.ts);
 *   2. the old checksum files are removed;
 *   3. the output is renamed into place (atomic; a symlink there is replaced, not followed);
 *   4. then its checksum files are.
 * The caller holds the output lock (lock.ts), so no other Kiln build renames these names meanwhile.
 */
import { renameSync, rmSync } from 'node:fs';
import { KilnError } from '../errors.js';
import { CHECKSUM_ALGORITHMS, checksumPath, type StagedChecksum } from './checksum.js';
import { keepOldOutput, present } from './overwrite.js';

export interface StagedOutput {
  /** the written, verified temporary file */
  file: string;
  /** NAME.EXT */
  final: string;
  checksums: StagedChecksum[];
}

export interface CommitOptions {
  imageName: string;
  /** OVERWRITE_OLD_IMAGE=1 */
  overwrite: boolean;
  /** the backup time stamp */
  now: Date;
  /** a new temporary file in the output directory */
  temp(tail: string): string;
}

function inTheWay(path: string, e: unknown): KilnError {
  return new KilnError(`cannot put ${path} in place: ${(e as Error).message}`, {
    hint: 'something that is not a file (a directory?) has that name: move it away',
    cause: e,
  });
}

function renameInto(from: string, to: string): void {
  try {
    renameSync(from, to);
  } catch (e) {
    throw inTheWay(to, e);
  }
}

/** Remove an old checksum file; a symlink there is removed itself, never followed. */
function removeOld(path: string): void {
  try {
    rmSync(path, { force: true });
  } catch (e) {
    throw inTheWay(path, e);
  }
}

/** Returns the files the old output was kept as (empty when it was replaced, or there was none). */
export function commitOutput(s: StagedOutput, o: CommitOptions): string[] {
  const kept = !o.overwrite && present(s.final) ? keepOldOutput(s.final, o.imageName, o.now, o.temp) : [];
  for (const a of CHECKSUM_ALGORITHMS) removeOld(checksumPath(s.final, a));
  renameInto(s.file, s.final);
  for (const c of s.checksums) renameInto(c.temp, checksumPath(s.final, c.algorithm));
  return kept;
}
