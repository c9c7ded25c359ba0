/** Where the repository's shipped data lives, relative to the compiled CLI (dist/src/cli). */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const BUILTIN_ELEMENTS = resolve(REPO_ROOT, 'elements');

let version: string | undefined;
/** The version in the repository's package.json (the one place it is written). */
export function kilnVersion(): string {
  version ??= (JSON.parse(readFileSync(resolve(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  return version;
}
