/** tar: the root tree as a POSIX tar (see tree-tar.ts for the flags and why). */
import { createReadStream, renameSync, rmSync } from 'node:fs';
import { outputPath, tempSibling } from './paths.js';
import { treeTarTools, writeTreeTar } from './tree-tar.js';
import type { OutputFormat } from './types.js';
import { verifyTreeTarStream } from './verify/tar.js';

export const tar: OutputFormat = {
  name: 'tar',
  needs: 'tree',
  extension: 'tar',
  tools: (req) => treeTarTools(req),
  async write(req) {
    const out = outputPath(req, 'tar');
    const tmp = tempSibling(out, 'new');
    try {
      await writeTreeTar(req, tmp, 'output tar');
      await verifyTreeTarStream(out, createReadStream(tmp));
      renameSync(tmp, out);
    } finally {
      rmSync(tmp, { force: true });
    }
    return [out];
  },
};
