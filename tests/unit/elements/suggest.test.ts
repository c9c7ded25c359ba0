import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { closestNames, didYouMean, editDistance } from '../../../src/elements/suggest.js';
import { resolveElements } from '../../../src/elements/resolve.js';
import type { Element, ElementIndex } from '../../../src/elements/element.js';

const NAMES = ['debian', 'debian-minimal', 'debootstrap', 'vm', 'ubuntu-minimal', 'growroot', 'devuser'];

describe('did you mean', () => {
  it('measures edits and neighbour swaps', () => {
    assert.equal(editDistance('debian-minmal', 'debian-minimal'), 1);
    assert.equal(editDistance('debain', 'debian'), 1);
    assert.equal(editDistance('vm', 'vm'), 0);
    assert.equal(editDistance('', 'abc'), 3);
  });
  it('suggests the closest names, nearest first, nothing when none is close', () => {
    assert.deepEqual(closestNames('debian-minmal', NAMES), ['debian-minimal']);
    assert.deepEqual(closestNames('debain', NAMES), ['debian']);
    assert.deepEqual(closestNames('Growroot', NAMES), ['growroot']);
    assert.deepEqual(closestNames('puppet', NAMES), []);
    assert.equal(didYouMean('debian-minmal', NAMES), '; did you mean debian-minimal?');
    assert.equal(didYouMean('xyz', NAMES), '');
  });
  it("is in the resolver's Element not found error", () => {
    const el = (name: string, deps: string[] = []): Element => ({ name, path: `/e/${name}`, deps, provides: [] }) as unknown as Element;
    const index = { elements: new Map(NAMES.map((n) => [n, el(n)])), paths: ['/e'] } as unknown as ElementIndex;
    index.elements.set('top', el('top', ['debian-minmal']));
    assert.throws(() => resolveElements(index, ['top']), /Element 'debian-minmal' not found \(required by top\); did you mean debian-minimal\?$/);
    assert.throws(() => resolveElements(index, ['debain']), /Element 'debain' not found; did you mean debian\?$/);
  });
});
