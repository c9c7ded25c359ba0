/**
 * A tree tar must parse to the end with our reader, start with the tree's root directory './'
 * and hold more than that entry.
 */
import { OutputVerificationError } from './error.js';
import { readTarStream, type ByteSource, type TarHeader } from './tar-read.js';

export async function verifyTreeTarStream(output: string, source: ByteSource): Promise<number> {
  let first: TarHeader | undefined;
  let n: number;
  try {
    n = await readTarStream(source, async (h) => {
      first ??= h;
    });
  } catch (e) {
    throw new OutputVerificationError(output, `not a readable tar: ${(e as Error).message}`, e);
  }
  if (first?.name !== './' || first.type !== 'directory') {
    throw new OutputVerificationError(output, `first entry is ${first ? `'${first.name}'` : 'missing'}, expected the root directory './'`);
  }
  if (n < 2) throw new OutputVerificationError(output, 'the tar holds only the root directory');
  return n;
}
