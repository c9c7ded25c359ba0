import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CleanupStack } from '../../src/cleanup.js';

test('runs steps in reverse order; a failing step does not stop the later ones', async () => {
  const order: string[] = [];
  const c = new CleanupStack();
  c.push('a', () => {
    order.push('a');
  });
  c.push('b', () => {
    throw new Error('boom');
  });
  c.push('c', async () => {
    order.push('c');
  });
  await c.run();
  assert.deepEqual(order, ['c', 'a']);
  assert.equal(c.size, 0);
});

test('a second run() while one is under way waits for every step, and no step runs twice', async () => {
  // an interrupt handler and the build's own `finally` both call run(); the first caller to return
  // must not return (and exit the process) while the other is still in a step
  const events: string[] = [];
  const c = new CleanupStack();
  c.push('unmount', async () => {
    events.push('unmount start');
    await new Promise((r) => setTimeout(r, 50));
    events.push('unmount end');
  });
  c.push('kill', async () => {
    events.push('kill start');
    await new Promise((r) => setTimeout(r, 20));
    events.push('kill end');
  });
  const first = c.run().then(() => events.push('first returned'));
  await new Promise((r) => setTimeout(r, 5));
  const second = c.run().then(() => events.push('second returned'));
  await Promise.all([first, second]);
  assert.deepEqual(events.slice(0, 4), ['kill start', 'kill end', 'unmount start', 'unmount end']);
  assert.deepEqual(events.slice(4).sort(), ['first returned', 'second returned']);
  c.push('later', () => {
    events.push('later');
  });
  await c.run();
  assert.equal(events.at(-1), 'later', 'a run after the first has finished runs new steps');
});
