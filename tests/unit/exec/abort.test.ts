// Runner behaviour around interrupts, in a child process (abortCommands is process-wide and final).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { signalExitCode } from '../../../src/errors.js';

const mod = (p: string) => resolve('dist/src', p);

test('abortCommands: the running command and every later one reject with InterruptedError; cleanup still runs commands, in order, once', () => {
  const script = `
    import { Runner, abortCommands } from '${mod('exec/runner.js')}';
    import { CleanupStack } from '${mod('cleanup.js')}';
    const r = new Runner();
    const out = [];
    const running = r.run('sleep', ['30']).then(() => 'resolved', (e) => e.name + ' ' + e.signal);
    await new Promise((res) => setTimeout(res, 300));
    const t0 = Date.now();
    await abortCommands('SIGTERM');
    out.push(await running, Date.now() - t0 < 3000 ? 'fast' : 'slow');
    out.push(await r.run('true', []).then(() => 'resolved', (e) => e.name));
    const c = new CleanupStack();
    c.push('first pushed', async () => { out.push('cleanup 2: ' + (await r.run('echo', ['ran'])).stdout.trim()); });
    c.push('last pushed', async () => { out.push('cleanup 1'); });
    await Promise.all([c.run(), c.run()]);
    process.stdout.write(JSON.stringify(out));
  `;
  const p = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.equal(p.status, 0, p.stderr);
  assert.deepEqual(JSON.parse(p.stdout), ['InterruptedError SIGTERM', 'fast', 'InterruptedError', 'cleanup 1', 'cleanup 2: ran']);
});

test('signalExitCode: 128 + the signal number', () => {
  assert.equal(signalExitCode('SIGHUP'), 129);
  assert.equal(signalExitCode('SIGINT'), 130);
  assert.equal(signalExitCode('SIGTERM'), 143);
});
