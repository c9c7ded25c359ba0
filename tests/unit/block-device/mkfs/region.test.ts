import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSeekOutput } from '../../../../src/block-device/mkfs/region.js';

test('parseSeekOutput turns xfs_io seek lines into data ranges', () => {
  assert.deepEqual(parseSeekOutput('Whence\tResult\nDATA\t0\nHOLE\t4096\nDATA\t104857600\nHOLE\t157286400\n', 2 ** 31), [
    [0, 4096],
    [104857600, 157286400],
  ]);
  assert.deepEqual(parseSeekOutput('Whence\tResult\nHOLE\t0\n', 100), []);
  assert.deepEqual(parseSeekOutput('Whence\tResult\nDATA\t512\n', 100), [[512, 100]]);
});
