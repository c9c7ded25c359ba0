/**
 * Optional compression of the raw and tar outputs (OutputRequest.compression), multithreaded:
 * zstd -T0 (level 3: ~6 s for a 2 GiB image, loopless.md step 5) or xz -T0. The compressor
 * replaces FILE by FILE.zst / FILE.xz, then tests it (zstd -t / xz -t).
 */
import type { Runner } from '../exec/runner.js';
import type { OutputCompression } from './types.js';
import { OutputVerificationError } from './verify/error.js';

export const COMPRESSIBLE_FORMATS: readonly string[] = ['raw', 'tar'];

export function compressionSuffix(c: OutputCompression): string {
  return c === 'zstd' ? 'zst' : 'xz';
}

export async function compressOutput(runner: Runner, file: string, c: OutputCompression): Promise<string> {
  const out = `${file}.${compressionSuffix(c)}`;
  const args = c === 'zstd' ? ['-T0', '-q', '-f', '--rm', file] : ['-T0', '-q', '-f', file];
  await runner.run(c, args, { context: `compress ${file}` });
  try {
    await runner.run(c, ['-t', '-q', out]);
  } catch (e) {
    throw new OutputVerificationError(out, `${c} -t failed`, e);
  }
  return out;
}
