import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { parseProcessTag, processAlive, processStartTime, processTag } from '../../../src/exec/process-tag.js';

test('processTag: pid and start time of this process; alive while it runs', () => {
  const tag = parseProcessTag(processTag());
  assert.ok(tag);
  assert.equal(tag.pid, process.pid);
  assert.ok(tag.start > 0);
  assert.equal(processAlive(tag), true);
});

test('processAlive: a dead pid, and a reused pid (same pid, other start time), are dead', () => {
  const gone = spawnSync('true').pid!;
  assert.equal(processStartTime(gone), undefined);
  assert.equal(processAlive({ pid: gone, start: 12345 }), false);
  const start = processStartTime(process.pid)!;
  assert.equal(processAlive({ pid: process.pid, start: start + 1 }), false, 'pid reused by another process');
});

test('parseProcessTag: only <pid>.<start>', () => {
  assert.deepEqual(parseProcessTag('42.1000'), { pid: 42, start: 1000 });
  for (const bad of ['42', '42-1000', 'a.b', '42.1000.7', '']) assert.equal(parseProcessTag(bad), undefined, bad);
});
