/**
 * Optional compression of the raw and tar outputs (OutputRequest.compression), multithreaded:
 * zstd -T0 (level 3: ~6 s for a 2 GiB image on 2 cores, bench/RESULTS.md) or xz -T0. The compressor reads
 * the written output and writes to stdout, redirected into the temporary file made for
 * NAME.EXT.zst / NAME.EXT.xz (so it writes into that file, never a name of its own choosing);
 * the result is tested (zstd -t / xz -t).
 */
import type { Runner } from '../exec/runner.js';
import type { OutputCompression } from './types.js';
import { OutputVerificationError } from './verify/error.js';

export const COMPRESSIBLE_FORMATS: readonly string[] = ['raw', 'tar'];

export function compressionSuffix(c: OutputCompression): string {
  return c === 'zstd' ? 'zst' : 'xz';
}

/** Compress `file` into the existing file `out`; `final` names the output in messages. */
export async function compressOutput(runner: Runner, file: string, out: string, c: OutputCompression, final: string): Promise<void> {
  // arguments are passed as $0..$2, never parsed by the shell
  await runner.run('sh', ['-c', 'exec "$0" -T0 -q -c -- "$1" > "$2"', c, file, out], { context: `compress ${final}` });
  try {
    await runner.run(c, ['-t', '-q', out]);
  } catch (e) {
    throw new OutputVerificationError(final, `${c} -t failed`, e);
  }
}
