// docs/tutorial-elements.md runs as written: its shell blocks, in order, as one script in an empty
// directory (a block after a `<!-- tutorial-test: skip (why) -->` line is left out: it says why).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { BIN, REPO } from '../../helpers/cli.js';

const PAGE = join(REPO, 'docs/tutorial-elements.md');

/** the ```sh blocks of a page, each with whether it is skipped */
export function shellBlocks(text: string): { code: string; skip?: string }[] {
  const blocks: { code: string; skip?: string }[] = [];
  const re = /(?:<!-- tutorial-test: skip \(([^)]*)\) -->\n)?```sh\n([\s\S]*?)```/g;
  for (let m = re.exec(text); m; m = re.exec(text)) blocks.push({ code: m[2]!, ...(m[1] ? { skip: m[1] } : {}) });
  return blocks;
}

describe('the element tutorial', () => {
  const work = mkdtempSync(join(tmpdir(), 'kiln-tutorial-'));
  after(() => rmSync(work, { recursive: true, force: true }));

  it('every block runs, in order, and leaves what the page says', () => {
    const blocks = shellBlocks(readFileSync(PAGE, 'utf8'));
    assert.ok(blocks.length >= 8, `${blocks.length} blocks`);
    assert.ok(
      blocks.filter((b) => b.skip).every((b) => b.skip!.length > 10),
      'a skipped block says why',
    );
    const script = ['set -euo pipefail', ...blocks.filter((b) => !b.skip).map((b) => b.code)].join('\n');
    const env = { ...process.env, PATH: `${BIN}:${process.env.PATH}`, HOME: work, DIB_IMAGE_CACHE: join(work, 'cache') } as Record<string, string>;
    delete env.ELEMENTS_PATH;
    const r = spawnSync('bash', ['-c', script], { cwd: work, env, encoding: 'utf8', timeout: 10 * 60_000 });
    assert.equal(r.status, 0, `the tutorial failed:\n${r.stdout.slice(-4000)}\n${r.stderr.slice(-4000)}`);
    // what the page claims along the way
    assert.match(r.stdout, /^Built with Kiln$/m, 'the default message is in the tree');
    assert.match(r.stdout, /error \[deps\] element 'pkg-mpa' not found; did you mean pkg-map\?/);
    assert.match(r.stdout, /lint failed, as it should/);
    assert.match(r.stdout, /^ok$/m, "the repository's own test passed");
    assert.match(r.stdout, /^my-elements 1\.0\.0 /m);
    assert.match(r.stderr, /site-elements 0\.1\.0 .* requires my-elements \^2\.0, but my-elements is 1\.0\.0/);
    assert.match(r.stdout, /refused, as it should be/);
    assert.ok(existsSync(join(work, 'my-elements-1.0.0/elements/motd/install.d/50-motd')), 'the tag was cloned');
  });
});
