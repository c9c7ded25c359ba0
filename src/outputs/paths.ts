/** Output file naming: NAME.EXT in the output directory, as DIB. */
import { join } from 'node:path';
import type { OutputRequest } from './types.js';

export function outputPath(req: Pick<OutputRequest, 'outDir' | 'imageName'>, extension: string): string {
  return join(req.outDir, `${req.imageName}.${extension}`);
}

/** A temporary sibling of `file`: same filesystem (so rename is atomic), hidden, removed on failure. */
export function tempSibling(file: string, purpose: string): string {
  const slash = file.lastIndexOf('/');
  return `${file.slice(0, slash + 1)}.${file.slice(slash + 1)}.${purpose}-${process.pid}`;
}
