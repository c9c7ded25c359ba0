import assert from 'node:assert/strict';
import { existsSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { substituteDibBootloader } from '../../../src/elements/dib-bootloader.js';
import { REPO, runCli } from '../../helpers/cli.js';
import { makeElementTree, removeTree } from '../../helpers/element-tree.js';
import { DIB_PY } from '../../helpers/dib-oracle.js';

// DIB's own element tree (Debian's python3-diskimage-builder, installed by scripts/setup --test)
const DIB_ELEMENTS = join(DIB_PY, 'elements');
const KILN_ELEMENTS = join(REPO, 'elements');
const el = (name: string, path: string) => ({ name, path, deps: [], provides: [] });

describe("DIB's bootloader element: Kiln's runs in its place", () => {
  const tree = makeElementTree({
    bootloader: { files: { 'finalise.d/50-bootloader': '#!/bin/sh\necho my own grub.cfg\n' } },
    'dib-like': { files: { 'finalise.d/50-bootloader': '#!/bin/bash\nBOOT_DEV=$IMAGE_BLOCK_DEVICE\n' } },
  });
  after(() => removeTree(tree));

  it("DIB's bootloader (grub-install on IMAGE_BLOCK_DEVICE) is replaced by Kiln's, with the reason", () => {
    assert.ok(
      existsSync(join(DIB_ELEMENTS, 'bootloader')),
      `DIB's element tree is missing (${DIB_ELEMENTS}): scripts/setup --test unpacks it (scripts/setup-test-oracle)`,
    );
    const dib = el('bootloader', join(DIB_ELEMENTS, 'bootloader'));
    const { elements, substitutions } = substituteDibBootloader([el('base', '/x/base'), dib], KILN_ELEMENTS);
    assert.deepEqual(elements, [el('base', '/x/base'), el('bootloader', realpathSync(join(KILN_ELEMENTS, 'bootloader')))]);
    assert.equal(substitutions.length, 1);
    assert.equal(substitutions[0]?.replaced, dib.path);
    assert.match(substitutions[0]?.why ?? '', /IMAGE_BLOCK_DEVICE/);
  });

  it("a user's own bootloader element that needs no block device is kept, and so is Kiln's", () => {
    const mine = [el('bootloader', join(tree, 'bootloader'))];
    assert.deepEqual(substituteDibBootloader(mine, KILN_ELEMENTS), { elements: mine, substitutions: [] });
    const kiln = [el('bootloader', realpathSync(join(KILN_ELEMENTS, 'bootloader')))];
    assert.deepEqual(substituteDibBootloader(kiln, KILN_ELEMENTS).substitutions, []);
    // only an element named bootloader is concerned
    const other = [el('dib-like', join(tree, 'dib-like'))];
    assert.deepEqual(substituteDibBootloader(other, KILN_ELEMENTS).substitutions, []);
  });

  it("kiln plan of DIB's debian-minimal vm (DIB's tree first) runs Kiln's bootloader hooks, none of DIB's", () => {
    const r = runCli('kiln', ['plan', '-o', 'x', 'debian-minimal', 'vm'], { env: { ELEMENTS_PATH: DIB_ELEMENTS } });
    assert.equal(r.status, 0, r.stderr);
    const plan = JSON.parse(r.stdout) as { elements: { name: string; path: string }[]; hooks: Record<string, string[]>; substitutions: unknown[] };
    assert.equal(plan.elements.find((e) => e.name === 'debian-minimal')?.path, realpathSync(join(DIB_ELEMENTS, 'debian-minimal')));
    assert.equal(plan.elements.find((e) => e.name === 'bootloader')?.path, realpathSync(join(KILN_ELEMENTS, 'bootloader')));
    assert.equal(plan.substitutions.length, 1);
    assert.ok(plan.hooks['finalise.d']?.includes('bootloader/finalise.d/50-bootloader'), JSON.stringify(plan.hooks['finalise.d']));
    assert.ok(plan.hooks['install.d']?.includes('bootloader/install.d/50-bootloader-packages'), "Kiln's GRUB module packages");
  });
});
