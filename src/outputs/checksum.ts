/**
 * Checksums beside every output: NAME.EXT.md5 / NAME.EXT.sha256 holding `<hash>  <basename>\n`,
 * the md5sum/sha256sum format (so `md5sum -c` works from the output directory). All requested
 * algorithms are computed in one streaming pass over the file. They are computed on the output's
 * temporary file and written to temporary files too, so that commit.ts renames image and
 * checksums into place together.
 */
import { createHash } from 'node:crypto';
import { createReadStream, lstatSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { createTempFile } from './temp.js';
import type { ChecksumAlgorithm } from './types.js';

export const CHECKSUM_ALGORITHMS: readonly ChecksumAlgorithm[] = ['md5', 'sha256'];

export async function hashFile(file: string, algorithms: readonly ChecksumAlgorithm[]): Promise<Record<ChecksumAlgorithm, string>> {
  const hashes = algorithms.map((a) => [a, createHash(a)] as const);
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) {
    for (const [, h] of hashes) h.update(chunk as Buffer);
  }
  const out = {} as Record<ChecksumAlgorithm, string>;
  for (const [a, h] of hashes) out[a] = h.digest('hex');
  return out;
}

export function formatChecksumLine(hash: string, file: string): string {
  return `${hash}  ${basename(file)}\n`;
}

export function checksumPath(file: string, algorithm: ChecksumAlgorithm): string {
  return `${file}.${algorithm}`;
}

export interface StagedChecksum {
  algorithm: ChecksumAlgorithm;
  temp: string;
}

/**
 * Hash `file` (an output's temporary file) and write the lines for `final` (the name it will have)
 * into new temporary files made by `temp(tail)`.
 */
export async function stageChecksums(
  file: string,
  final: string,
  algorithms: readonly ChecksumAlgorithm[],
  temp: (tail: string) => string,
): Promise<StagedChecksum[]> {
  if (algorithms.length === 0) return [];
  const sums = await hashFile(file, algorithms);
  return algorithms.map((a) => {
    const t = temp(a);
    writeFileSync(t, formatChecksumLine(sums[a], final));
    return { algorithm: a, temp: t };
  });
}

/**
 * The hash recorded in a checksum file (`<hash>  <name>` or `<hash> *<name>`), or undefined when
 * it is not a regular file holding one such line. A symlink is not read through.
 */
export function readChecksumFile(path: string): string | undefined {
  try {
    if (!lstatSync(path).isFile()) return undefined;
    const m = /^([0-9a-f]{32,128}) [ *]/.exec(readFileSync(path, 'utf8'));
    return m?.[1];
  } catch {
    return undefined;
  }
}

/**
 * Write FILE.md5 / FILE.sha256 for the chosen algorithms (each through a temporary file renamed
 * over the name: a symlink there is replaced, never followed); returns the files written.
 */
export async function writeChecksums(file: string, algorithms: readonly ChecksumAlgorithm[]): Promise<string[]> {
  const name = basename(file);
  const staged = await stageChecksums(file, file, algorithms, (tail) => createTempFile(dirname(file), name, tail));
  try {
    return staged.map(({ algorithm, temp }) => {
      const p = checksumPath(file, algorithm);
      renameSync(temp, p);
      return p;
    });
  } finally {
    for (const s of staged) rmSync(s.temp, { force: true });
  }
}
