/**
 * Write a small tar archive (the docker and OCI wrappers) with tar-stream: entries in the given
 * order, owner 0:0, mtime = epoch, so the bytes depend only on the content.
 */
import { createReadStream, createWriteStream, statSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import tarStream from 'tar-stream';

export type PackEntry = { name: string; type: 'directory' } | { name: string; type: 'file'; data: Buffer } | { name: string; type: 'file'; path: string };

export async function writeTarArchive(out: string, entries: PackEntry[], epoch: number): Promise<void> {
  const pack = tarStream.pack();
  const written = pipeline(pack, createWriteStream(out));
  const common = { uid: 0, gid: 0, uname: '', gname: '', mtime: new Date(epoch * 1000) };
  try {
    for (const e of entries) {
      if (e.type === 'directory') {
        await new Promise<void>((res, rej) => pack.entry({ ...common, name: e.name, type: 'directory', mode: 0o755 }, (err) => (err ? rej(err) : res())));
      } else if ('data' in e) {
        await new Promise<void>((res, rej) => pack.entry({ ...common, name: e.name, mode: 0o644 }, e.data, (err) => (err ? rej(err) : res())));
      } else {
        const size = statSync(e.path).size;
        const sink = pack.entry({ ...common, name: e.name, mode: 0o644, size });
        await pipeline(createReadStream(e.path), sink);
      }
    }
    pack.finalize();
  } catch (err) {
    pack.destroy(err as Error);
  }
  await written;
}
