import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeGuid, deriveGuid, encodeGuid, isGuid } from '../../../../src/block-device/common/guid.js';
import { KilnError } from '../../../../src/errors.js';

test('encodeGuid is mixed-endian (UEFI Appendix A)', () => {
  assert.equal(encodeGuid('0FC63DAF-8483-4772-8E79-3D69D8477DE4').toString('hex'), 'af3dc60f838472478e793d69d8477de4');
  assert.equal(encodeGuid('C12A7328-F81F-11D2-BA4B-00A0C93EC93B').toString('hex'), '28732ac11ff8d211ba4b00a0c93ec93b');
  assert.equal(decodeGuid(Buffer.from('af3dc60f838472478e793d69d8477de4', 'hex')), '0FC63DAF-8483-4772-8E79-3D69D8477DE4');
  assert.throws(() => encodeGuid('not-a-guid'), KilnError);
});

test('deriveGuid is deterministic, distinct per purpose, v4/variant shaped', () => {
  const a = deriveGuid('seed', 'root');
  assert.equal(a, deriveGuid('seed', 'root'));
  assert.notEqual(a, deriveGuid('seed', 'boot'));
  assert.notEqual(a, deriveGuid('seed2', 'root'));
  assert.ok(isGuid(a));
  assert.match(a, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  // pinned so a change in derivation (which changes every image) is noticed
  assert.equal(deriveGuid('kiln', 'disk'), '051f7cc7-2741-4647-a913-0e75f2735cc7'); // sha256('kiln\ndisk') = 051f7cc727410647a9130e75...; v4 + variant bits set
  assert.equal(a.toLowerCase(), a);
});
