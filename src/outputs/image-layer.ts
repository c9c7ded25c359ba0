/** The single layer of the docker and oci outputs: the tree tar, with its digest and size. */
import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import { hashFile } from './checksum.js';
import { writeTreeTar } from './tree-tar.js';
import type { OutputRequest } from './types.js';

export interface Blob {
  hex: string;
  size: number;
}

export async function writeLayer(req: OutputRequest, file: string, context: string): Promise<Blob> {
  await writeTreeTar(req, file, context);
  const { sha256 } = await hashFile(file, ['sha256']);
  return { hex: sha256, size: statSync(file).size };
}

export function blobOf(data: Buffer): Blob {
  return { hex: createHash('sha256').update(data).digest('hex'), size: data.length };
}
