/** tar: the root tree as a POSIX tar (see tree-tar.ts for the flags and why). */
import { createReadStream } from 'node:fs';
import { treeTarTools, writeTreeTar } from './tree-tar.js';
import type { OutputFormat } from './types.js';
import { verifyTreeTarStream } from './verify/tar.js';

export const tar: OutputFormat = {
  name: 'tar',
  needs: 'tree',
  extension: 'tar',
  tools: (req) => treeTarTools(req),
  async write(req, { file, final }) {
    await writeTreeTar(req, file, 'output tar');
    await verifyTreeTarStream(final, createReadStream(file));
  },
};
