import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatLvmId, isLvmId, lvmId } from '../../../../src/block-device/lvm/ids.js';

test('lvmId is 32 chars of [0-9A-Za-z], deterministic per seed and purpose', () => {
  const a = lvmId('seed', 'vg:vg');
  assert.match(a, /^[0-9A-Za-z]{32}$/);
  assert.equal(lvmId('seed', 'vg:vg'), a);
  assert.notEqual(lvmId('seed', 'lv:vg/root'), a);
  assert.notEqual(lvmId('other', 'vg:vg'), a);
});

test('lvmId uses the whole alphabet (no bias towards a subset)', () => {
  const seen = new Set<string>();
  for (let i = 0; i < 200; i++) for (const c of lvmId('s', String(i))) seen.add(c);
  assert.equal(seen.size, 62);
});

test('formatLvmId gives the 6-4-4-4-4-4-6 form lvm2 writes', () => {
  assert.equal(formatLvmId('RAJjCUXmH1o4jqp7jxN0ndquNjSJ8SOI'), 'RAJjCU-XmH1-o4jq-p7jx-N0nd-quNj-SJ8SOI');
  assert.throws(() => formatLvmId('short'));
  assert.equal(isLvmId('RAJjCUXmH1o4jqp7jxN0ndquNjSJ8SO!'), false);
});
