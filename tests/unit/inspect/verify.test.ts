import assert from 'node:assert/strict';
import { test } from 'node:test';
import { splitOutputName } from '../../../src/inspect/verify.js';

test('splitOutputName: -o NAME, -oNAME, --image-name[=]NAME taken out; the base name kept; default image', () => {
  assert.deepEqual(splitOutputName(['-o', 'out/deb', 'debian-minimal', 'vm']), [['debian-minimal', 'vm'], 'deb']);
  assert.deepEqual(splitOutputName(['-t', 'raw', '-odeb', 'vm']), [['-t', 'raw', 'vm'], 'deb']);
  assert.deepEqual(splitOutputName(['--image-name=x', 'vm']), [['vm'], 'x']);
  assert.deepEqual(splitOutputName(['--image-name', 'y', 'vm']), [['vm'], 'y']);
  assert.deepEqual(splitOutputName(['vm']), [['vm'], 'image']);
  assert.throws(() => splitOutputName(['vm', '-o']), /-o needs a value/);
});
