/** Output file naming: NAME.EXT in the output directory, as DIB. */
import { join } from 'node:path';
import type { OutputRequest } from './types.js';

export function outputPath(req: Pick<OutputRequest, 'outDir' | 'imageName'>, extension: string): string {
  return join(req.outDir, `${req.imageName}.${extension}`);
}
