/** Read a tar file entry by entry with tar-stream (our own reader, independent of GNU tar). */
import { createReadStream } from 'node:fs';
import tarStream from 'tar-stream';

export type TarHeader = tarStream.Header & { pax?: Record<string, string> | null };
/** A node or streamx readable: a file, a gunzip stream, or a member of an outer tar. */
export interface ByteSource {
  pipe(dest: never): unknown;
  on(ev: 'error', fn: (e: Error) => void): unknown;
  destroy?(): unknown;
}
export type EntryData = AsyncIterable<Uint8Array>;

/** Parse a tar stream; entries `onEntry` does not read are skipped. */
export async function readTarStream(source: ByteSource, onEntry: (h: TarHeader, data: EntryData) => Promise<void>): Promise<number> {
  const extract = tarStream.extract();
  source.on('error', (e) => extract.destroy(e));
  source.pipe(extract as never);
  let n = 0;
  try {
    for await (const entry of extract) {
      n++;
      await onEntry(entry.header as TarHeader, entry as unknown as EntryData);
      entry.resume();
    }
  } catch (e) {
    source.destroy?.(); // a reader that stops early must not keep the file open
    throw e;
  }
  return n;
}

export function readTarFile(file: string, onEntry: (h: TarHeader, data: EntryData) => Promise<void>): Promise<number> {
  return readTarStream(createReadStream(file), onEntry);
}
