/** Kiln's version: the one in the repository's package.json (the one place it is written). */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

let version: string | undefined;
export function kilnVersion(): string {
  // compiled to dist/src/version.js: package.json is two levels up
  version ??= (JSON.parse(readFileSync(resolve(dirname(fileURLToPath(import.meta.url)), '../../package.json'), 'utf8')) as { version: string }).version;
  return version;
}
