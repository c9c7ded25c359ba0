// The real diskimage-builder the tests compare with stays out of the user's way: scripts/setup does
// not install it system-wide (its disk-image-create in /usr/bin would run instead of Kiln's);
// setup --test puts it in a private prefix that only the tests use (tests/helpers/dib-oracle.ts).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { REPO } from '../../helpers/cli.js';
import { DIB_ORACLE_PREFIX, dibPython, haveDibOracle } from '../../helpers/dib-oracle.js';

describe('the DIB test oracle', () => {
  it('scripts/setup installs no diskimage-builder on PATH; setup --test installs the private copy', () => {
    const setup = readFileSync(join(REPO, 'scripts/setup'), 'utf8');
    assert.match(setup, /scripts\/packages\/kiln scripts\/packages\/test/, 'setup installs the packages these files list');
    const packages = ['kiln', 'test'].map((f) => readFileSync(join(REPO, 'scripts/packages', f), 'utf8')).join('\n');
    assert.doesNotMatch(packages.replace(/#.*$/gm, ''), /diskimage-builder/, 'no system-wide DIB in the package lists');
    assert.match(setup, /--test[\s\S]*scripts\/setup-test-oracle/);
  });

  it('is installed in its private prefix, which is not on PATH', { skip: !haveDibOracle() && process.env.CI !== 'true' ? 'not installed' : false }, () => {
    const r = dibPython(['-c', 'import diskimage_builder; print(diskimage_builder.__file__)']);
    assert.equal(r.status, 0, r.stderr);
    assert.ok(r.stdout.trim().startsWith(`${DIB_ORACLE_PREFIX}/`), `the oracle the tests import: ${r.stdout}`);
    for (const dir of (process.env.PATH ?? '').split(':')) assert.ok(!dir.startsWith(DIB_ORACLE_PREFIX), `${dir} on PATH`);
  });
});
