import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { scanElements } from '../../../src/elements/scan.js';
import { formatHookPlan, planHooks } from '../../../src/phases/plan.js';
import { compareSortN, sortN } from '../../../src/phases/sort.js';
import { makeElementTree, removeTree } from '../../helpers/element-tree.js';

const SH = '#!/bin/sh\n';

describe('sort -n', () => {
  it('orders by the leading number, then bytes', () => {
    assert.deepEqual(sortN(['99-y', '100-x', '10-b', '10-a', 'noprefix', '05-c', '5-b']), ['noprefix', '05-c', '5-b', '10-a', '10-b', '99-y', '100-x']);
    assert.ok(compareSortN('10-B', '10-a') < 0, 'C locale: upper case first');
  });
});

describe('planHooks', () => {
  const trees: string[] = [];
  after(() => trees.forEach(removeTree));
  const plan = (spec: Parameters<typeof makeElementTree>[0], env: Record<string, string> = {}) => {
    const t = makeElementTree(spec);
    trees.push(t);
    const idx = scanElements([t]);
    return planHooks([...idx.elements.values()], { defaultInstallType: 'source', env });
  };

  it('merges scripts of all elements and sorts them globally', () => {
    const p = plan({
      a: { files: { 'install.d/50-a': SH, 'install.d/99-late': SH } },
      b: { files: { 'install.d/10-b': SH, 'install.d/100-last': SH } },
    });
    assert.deepEqual(formatHookPlan(p)['install.d'], ['b/install.d/10-b', 'a/install.d/50-a', 'a/install.d/99-late', 'b/install.d/100-last']);
  });
  it('runs only executables named ^[0-9A-Za-z_-]+$, and says why it skips the others', () => {
    const p = plan({ a: { files: { 'install.d/10-ok': SH, 'install.d/20-x.sh': SH, 'install.d/30-notexec': 'echo', 'install.d/README': 'x' } } });
    assert.deepEqual(
      p.phases['install.d'].map((s) => s.name),
      ['10-ok'],
    );
    assert.deepEqual(p.ignored.map((i) => `${i.relPath}: ${i.why}`).sort(), [
      'install.d/20-x.sh: name does not match ^[0-9A-Za-z_-]+$',
      'install.d/30-notexec: not executable',
      'install.d/README: not executable',
    ]);
  });
  it('makes a duplicated hook name fatal, naming both elements', () => {
    assert.throws(
      () => plan({ a: { files: { 'root.d/10-x': SH } }, b: { files: { 'root.d/10-x': SH } } }),
      /duplicated hook in your elements: root.d\/10-x is in both 'a' and 'b'/,
    );
  });
  it('sorts environment.d with sort -n and allows dots there', () => {
    const p = plan({ a: { files: { 'environment.d/10-z.bash': 'x', 'environment.d/02-a': 'x' } } });
    assert.deepEqual(
      p.environment.map((e) => e.name),
      ['02-a', '10-z.bash'],
    );
  });
  it('joins install.d/<prefix>-<type>-install/ by install type', () => {
    const spec = { a: { files: { 'install.d/foo-source-install/10-src': SH, 'install.d/foo-package-install/10-pkg': SH } } };
    assert.deepEqual(
      plan(spec).phases['install.d'].map((s) => s.name),
      ['10-src'],
    );
    assert.deepEqual(
      plan(spec, { DIB_INSTALLTYPE_foo: 'package' }).phases['install.d'].map((s) => s.name),
      ['10-pkg'],
    );
    // it runs from its subdirectory of the merged hooks (it was planned as install.d/10-src: not found)
    assert.deepEqual(formatHookPlan(plan(spec))['install.d'], ['a/install.d/foo-source-install/10-src']);
  });
  it('an install-types script and an install.d script of the same name are duplicates', () => {
    const spec = { a: { files: { 'install.d/foo-source-install/10-x': SH } }, b: { files: { 'install.d/10-x': SH } } };
    assert.throws(() => plan(spec), /duplicated hook/);
  });
});
