// One test per rule of DIB's dependency expansion (dib-compat 3.7, test_elementdeps.py).
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { ResolveError, resolveElements, resolveElementSet } from '../../../src/elements/resolve.js';
import { scanElements } from '../../../src/elements/scan.js';
import { makeElementTree, removeTree } from '../../helpers/element-tree.js';

const root = makeElementTree({
  os: { provides: ['operating-system'] },
  os2: { provides: ['operating-system'] },
  requires_foo: { deps: ['foo'] },
  foo: {},
  requires_requires_foo: { deps: ['requires_foo'] },
  self: { deps: ['self'] },
  circular1: { deps: ['circular2'] },
  circular2: { deps: ['circular1'] },
  provides_virtual: { provides: ['virtual'] },
  requires_virtual: { deps: ['virtual'] },
  virtual: { deps: ['foo'] },
  also_virtual: { provides: ['virtual'] },
  needs_missing: { deps: ['does_not_exist'] },
  chain_top: { deps: ['needs_missing'] },
});
after(() => removeTree(root));
const index = scanElements([root]);
const names = (els: { name: string }[]) => els.map((e) => e.name);
const kindOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof ResolveError, `expected a ResolveError, got ${String(e)}`);
    return e.kind;
  }
  assert.fail('expected an error');
};

describe('resolveElements (DIB semantics)', () => {
  it('follows dependencies transitively', () => {
    assert.deepEqual(names(resolveElements(index, ['os', 'requires_requires_foo'])), ['foo', 'os', 'requires_foo', 'requires_requires_foo']);
  });
  it('allows self-dependencies', () => {
    assert.deepEqual(names(resolveElements(index, ['os', 'self'])), ['os', 'self']);
  });
  it('allows cycles', () => {
    assert.deepEqual(names(resolveElements(index, ['os', 'circular1'])), ['circular1', 'circular2', 'os']);
  });
  it('satisfies a virtual name by its provider, and drops the real directory of that name', () => {
    assert.deepEqual(names(resolveElements(index, ['os', 'provides_virtual', 'requires_virtual'])), ['os', 'provides_virtual', 'requires_virtual']);
  });
  it('refuses two providers of one name', () => {
    assert.equal(
      kindOf(() => resolveElements(index, ['os', 'provides_virtual', 'also_virtual'])),
      'already-provided',
    );
    assert.equal(
      kindOf(() => resolveElements(index, ['os', 'os2'])),
      'already-provided',
    );
  });
  it('refuses the same OS element twice (DIB quirk)', () => {
    assert.equal(
      kindOf(() => resolveElements(index, ['os', 'os'])),
      'already-provided',
    );
  });
  it('refuses a requested element that is also provided', () => {
    assert.equal(
      kindOf(() => resolveElements(index, ['os', 'provides_virtual', 'virtual'])),
      'requested-is-provided',
    );
  });
  it('refuses a build without an operating-system element', () => {
    assert.equal(
      kindOf(() => resolveElements(index, ['foo'])),
      'missing-os',
    );
  });
  it('names the chain that required a missing element', () => {
    try {
      resolveElements(index, ['os', 'chain_top']);
      assert.fail('expected an error');
    } catch (e) {
      assert.ok(e instanceof ResolveError);
      assert.equal(e.kind, 'missing-element');
      assert.match(e.message, /Element 'does_not_exist' not found \(required by chain_top -> needs_missing\)/);
    }
  });
  it('reports a missing requested element without a chain', () => {
    assert.throws(() => resolveElements(index, ['os', 'nope']), /Element 'nope' not found$/);
  });
  it('records who provides what', () => {
    const r = resolveElementSet(index, ['os', 'provides_virtual']);
    assert.deepEqual(r.providedBy.get('virtual'), ['provides_virtual']);
  });
});

describe('scanElements', () => {
  it('lets earlier ELEMENTS_PATH entries override later ones', () => {
    const a = makeElementTree({ foo: { deps: ['from_a'] } });
    const b = makeElementTree({ foo: { deps: ['from_b'] } });
    try {
      const idx = scanElements([a, b]);
      assert.deepEqual(idx.elements.get('foo')?.deps, ['from_a']);
      assert.equal(idx.overrides.length, 1);
    } finally {
      removeTree(a);
      removeTree(b);
    }
  });
  it('refuses an entry that is not a directory', () => {
    assert.throws(() => scanElements(['/nonexistent/kiln']), /ELEMENTS_PATH entry '\/nonexistent\/kiln' is not a directory/);
  });
  it('refuses an empty path', () => {
    assert.throws(() => scanElements([]), /ELEMENTS_PATH is empty/);
  });
  it('parses element-deps like DIB: whitespace stripped, blank lines dropped, no comments', () => {
    const t = makeElementTree({ x: { files: { 'element-deps': '  a  \n\n#b\nc\n' } } });
    try {
      assert.deepEqual(scanElements([t]).elements.get('x')?.deps, ['a', '#b', 'c']);
    } finally {
      removeTree(t);
    }
  });
});
