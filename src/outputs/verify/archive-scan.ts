/** One pass over a container archive: every member's sha256 and size, small members' bytes. */
import { createHash } from 'node:crypto';
import { OutputVerificationError } from './error.js';
import { readTarFile, type ByteSource } from './tar-read.js';
import { verifyTreeTarStream } from './tar.js';

export interface ArchiveMember {
  sha256: string;
  size: number;
  data?: Buffer;
}

const KEEP_BELOW = 4 << 20;

export async function scanArchive(output: string, file: string): Promise<Map<string, ArchiveMember>> {
  const members = new Map<string, ArchiveMember>();
  try {
    await readTarFile(file, async (h, data) => {
      if (h.type !== 'file') return;
      const hash = createHash('sha256');
      const keep: Buffer[] = [];
      let size = 0;
      for await (const c of data) {
        const b = c as Buffer;
        hash.update(b);
        size += b.length;
        if (size < KEEP_BELOW) keep.push(b);
      }
      members.set(h.name, { sha256: hash.digest('hex'), size, ...(size < KEEP_BELOW ? { data: Buffer.concat(keep) } : {}) });
    });
  } catch (e) {
    throw new OutputVerificationError(output, `not a readable tar: ${(e as Error).message}`, e);
  }
  return members;
}

export function memberJson<T>(output: string, members: Map<string, ArchiveMember>, name: string): T {
  const m = members.get(name);
  if (!m?.data) throw new OutputVerificationError(output, `${name} is missing`);
  try {
    return JSON.parse(m.data.toString('utf8')) as T;
  } catch (e) {
    throw new OutputVerificationError(output, `${name} is not JSON`, e);
  }
}

/** The named member must itself be a tree tar (second pass, streaming). */
export async function verifyLayerTar(output: string, file: string, member: string): Promise<void> {
  let found = false;
  await readTarFile(file, async (h, data) => {
    if (h.name !== member) return;
    found = true;
    try {
      await verifyTreeTarStream(output, data as unknown as ByteSource);
    } catch (e) {
      if (!(e instanceof OutputVerificationError)) throw e;
      throw new OutputVerificationError(output, `layer ${member}: ${e.problem}`, e);
    }
  });
  if (!found) throw new OutputVerificationError(output, `layer ${member} is missing`);
}
