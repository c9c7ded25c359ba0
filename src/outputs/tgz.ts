/**
 * tgz: the tree tar compressed with $DIB_GZIP_BIN (default gzip; pigz works) at -9. Unlike DIB,
 * a tar output requested in the same build is kept (DIB deletes NAME.tar after making the tgz).
 * -n leaves the file name and time out of the gzip header, so the bytes are reproducible.
 */
import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { treeTarTools, writeTreeTar } from './tree-tar.js';
import type { OutputFormat, OutputRequest } from './types.js';
import { verifyTreeTarStream } from './verify/tar.js';

function gzipBin(req: OutputRequest): string {
  return req.gzipBin ?? 'gzip';
}

export const tgz: OutputFormat = {
  name: 'tgz',
  needs: 'tree',
  extension: 'tgz',
  tools: (req) => [...treeTarTools(req), { tool: gzipBin(req), why: 'compress the tgz output (DIB_GZIP_BIN)' }],
  async write(req, { file, final, temp }) {
    const tarTmp = temp('tar');
    await writeTreeTar(req, tarTmp, 'output tgz');
    // the shell only redirects stdout to the file; arguments are passed as $0..$2, never parsed
    await req.runner.run('sh', ['-c', 'exec "$0" -9 -n -c -- "$1" > "$2"', gzipBin(req), tarTmp, file], { context: 'output tgz' });
    await verifyTreeTarStream(final, createReadStream(file).pipe(createGunzip()));
  },
};
