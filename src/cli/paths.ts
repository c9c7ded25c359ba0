/** Where the repository's shipped data lives, relative to the compiled CLI (dist/src/cli). */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const BUILTIN_ELEMENTS = resolve(REPO_ROOT, 'elements');

export { kilnVersion } from '../version.js';
