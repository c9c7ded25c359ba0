import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { expandRequestedElements } from '../../../src/elements/expand.js';

describe('expandRequestedElements (arg_to_elements)', () => {
  it('adds base first unless skipped', () => {
    assert.deepEqual(expandRequestedElements(['debian-minimal'], { skipBase: false, arch: 'amd64' }), ['base', 'debian-minimal']);
    assert.deepEqual(expandRequestedElements(['debian-minimal'], { skipBase: true, arch: 'amd64' }), ['debian-minimal']);
  });
  it('adds block-device-mbr to vm (block-device-efi on arm64)', () => {
    assert.deepEqual(expandRequestedElements(['d', 'vm'], { skipBase: true, arch: 'amd64' }), ['d', 'vm', 'block-device-mbr']);
    assert.deepEqual(expandRequestedElements(['d', 'vm'], { skipBase: true, arch: 'arm64' }), ['d', 'vm', 'block-device-efi']);
  });
  it('leaves an explicit block-device-* alone', () => {
    assert.deepEqual(expandRequestedElements(['d', 'vm', 'block-device-gpt'], { skipBase: true, arch: 'amd64' }), ['d', 'vm', 'block-device-gpt']);
  });
});
