import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gptTypeGuid } from '../../../../src/block-device/partitioning/gpt-types.js';
import { KilnError } from '../../../../src/errors.js';

test('gptTypeGuid maps sgdisk codes case-insensitively and passes GUIDs through', () => {
  assert.equal(gptTypeGuid('EF00'), 'C12A7328-F81F-11D2-BA4B-00A0C93EC93B');
  assert.equal(gptTypeGuid('ef02'), '21686148-6449-6E6F-744E-656564454649');
  assert.equal(gptTypeGuid('8304'), '4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709');
  assert.equal(gptTypeGuid('8e00'), 'E6D6D379-F507-44C2-A23C-238F2A3DF928');
  assert.equal(gptTypeGuid('0x8300'), '0FC63DAF-8483-4772-8E79-3D69D8477DE4');
  assert.equal(gptTypeGuid('0fc63daf-8483-4772-8e79-3d69d8477de4'), '0FC63DAF-8483-4772-8E79-3D69D8477DE4');
  assert.throws(
    () => gptTypeGuid('zz99'),
    (e: unknown) => e instanceof KilnError && /zz99/.test(e.message) && /EF00/.test(e.hint ?? ''),
  );
});
