#!/usr/bin/env node
// Regenerates what comes from the settings declaration (src/config/settings/): the marked tables in
// docs/*.md and man/*.1. Run after `npm run build` (npm run gen-docs does both).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { generatedFiles } = await import(join(root, 'dist/src/cli/gen-docs.js'));
for (const f of await generatedFiles(root)) {
  const path = join(root, f.path);
  let old = '';
  try {
    old = readFileSync(path, 'utf8');
  } catch {
    /* new file */
  }
  if (old === f.content) continue;
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, f.content);
  console.log(`wrote ${f.path}`);
}
