/**
 * Everything generated from the settings declaration: the marked tables in docs/*.md and the man
 * pages. `npm run gen-docs` writes them; a unit test fails when a committed file differs.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { updateSettingsBlocks } from '../config/docs-tables.js';
import { formatDiskImageCreateMan, formatDiskimageBuilderMan, formatKilnMan } from './man-pages.js';

export interface GeneratedFile {
  path: string;
  content: string;
}

/** Each generated file, relative to the repository root, with the content it should have. */
export async function generatedFiles(root: string): Promise<GeneratedFile[]> {
  const docs = readdirSync(join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => ({ path: `docs/${f}`, text: readFileSync(join(root, 'docs', f), 'utf8') }))
    .filter((d) => d.text.includes('<!-- settings:begin '))
    .map((d) => ({ path: d.path, content: updateSettingsBlocks(d.text, d.path) }));
  return [
    ...docs,
    { path: 'man/disk-image-create.1', content: formatDiskImageCreateMan() },
    { path: 'man/diskimage-builder.1', content: formatDiskimageBuilderMan() },
    { path: 'man/kiln.1', content: await formatKilnMan() },
  ];
}
