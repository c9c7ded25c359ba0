// docs/elements.md against the repository and against DIB's own element tree: every element it says
// Kiln has is in elements/ (with a README.rst), every element in elements/ is listed as Kiln's, and
// every element of DIB's tree is listed.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { REPO } from '../../helpers/cli.js';
import { DIB_PY } from '../../helpers/dib-oracle.js';

// DIB's own element tree (Debian's python3-diskimage-builder, installed by scripts/setup --test)
const DIB_ELEMENTS = join(DIB_PY, 'elements');

function inventory(): Map<string, string> {
  const rows = new Map<string, string>();
  for (const line of readFileSync(join(REPO, 'docs/elements.md'), 'utf8').split('\n')) {
    const m = /^\| `([a-z0-9-]+)` \| (has|planned|refused|Kiln's own) \|/.exec(line);
    if (!m?.[1] || !m[2]) continue;
    assert.ok(!rows.has(m[1]), `${m[1]} is listed twice`);
    rows.set(m[1], m[2]);
  }
  return rows;
}
const dirs = (d: string) => readdirSync(d).filter((n) => !n.startsWith('_') && statSync(join(d, n)).isDirectory());

describe('docs/elements.md (the element inventory)', () => {
  const rows = inventory();
  const shipped = dirs(join(REPO, 'elements'));

  it("every element listed as has (or Kiln's own) is in elements/, with a README.rst", () => {
    for (const [name, status] of rows) {
      if (status !== 'has' && status !== "Kiln's own") continue;
      assert.ok(existsSync(join(REPO, 'elements', name, 'README.rst')), `docs/elements.md says Kiln has ${name}: elements/${name}/README.rst is missing`);
    }
  });

  it("every element in elements/ is listed as has or Kiln's own", () => {
    for (const name of shipped) {
      const status = rows.get(name);
      assert.ok(status === 'has' || status === "Kiln's own", `elements/${name} is listed in docs/elements.md as ${status ?? 'nothing'}: make it "has"`);
    }
  });

  it("every element of DIB's tree is listed", () => {
    assert.ok(existsSync(DIB_ELEMENTS), `DIB's element tree is missing (${DIB_ELEMENTS}): scripts/setup --test unpacks it (scripts/setup-test-oracle)`);
    const missing = dirs(DIB_ELEMENTS).filter((n) => !rows.has(n));
    assert.deepEqual(missing, [], 'elements of DIB that docs/elements.md does not list');
    assert.ok(rows.size >= 128, `${rows.size} rows`);
  });
});
