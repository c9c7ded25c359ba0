// The user docs cite only what is in the repository: every relative link resolves, every file
// name ending in .md that they mention exists, and none names a path of a developer's machine or
// the roles of the people who wrote them.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '../../../..');
/** The repository's files (relative paths), without what is built or installed. */
function repoFiles(dir = ''): string[] {
  return readdirSync(join(REPO, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = dir ? `${dir}/${e.name}` : e.name;
    if (e.isDirectory()) return ['node_modules', 'dist', '.git'].includes(e.name) ? [] : repoFiles(rel);
    return [rel];
  });
}
const all = repoFiles();
const files = all.filter((f) => /\.(md|rst)$/.test(f) && !f.startsWith('tests/'));
const names = new Set(all.map((f) => basename(f)));

describe('user docs cite only what the repository has', () => {
  it('there are docs to check', () => assert.ok(files.includes('README.md') && files.length > 20, files.join(' ')));

  for (const f of files) {
    const text = readFileSync(join(REPO, f), 'utf8');
    it(f, () => {
      const problems: string[] = [];
      for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        const target = m[1]!.split('#')[0]!;
        if (!target || /^[a-z]+:/.test(m[1]!)) continue; // an anchor, a URL
        if (!existsSync(join(REPO, dirname(f), target))) problems.push(`link to ${m[1]} (missing)`);
      }
      for (const m of text.matchAll(/[\w./-]+\.md\b/g)) {
        if (/^https?:|\/\//.test(m[0])) continue;
        if (!names.has(basename(m[0]))) problems.push(`mentions ${m[0]}, which is not in the repository`);
      }
      for (const m of text.matchAll(/\b(coordinator|team brief|the brief)\b/gi)) problems.push(`a role of the project's authors: ${m[0]}`);
      for (const m of text.matchAll(/(?:^|[\s`(])(\/work\/\S*|\/home\/(?!user\b)[a-z][\w-]*\/\S*)/gm)) problems.push(`a machine's path: ${m[1]}`);
      assert.deepEqual(problems, []);
    });
  }
});
