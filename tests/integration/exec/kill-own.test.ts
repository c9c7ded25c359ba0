// Runner.killOwn stops that Runner's commands only (a boot test ending its QEMU leaves other work alone).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Runner } from '../../../src/exec/runner.js';

test("killOwn kills this runner's commands and no other runner's", async () => {
  const a = new Runner();
  const b = new Runner();
  const ra = a.run('sleep', ['30']).then(
    () => 'exited',
    (e: Error) => `failed: ${e.message}`,
  );
  let bDone = false;
  const rb = b.run('sleep', ['2']).then(() => {
    bDone = true;
  });
  await new Promise((r) => setTimeout(r, 300));
  const t = Date.now();
  await a.killOwn();
  assert.match(await ra, /^failed: .*killed by SIGKILL/);
  assert.ok(Date.now() - t < 5000);
  assert.equal(bDone, false, "the other runner's command still runs");
  await rb;
  assert.equal(bDone, true, 'and finishes normally');
});
