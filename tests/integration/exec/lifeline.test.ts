// A command started through the Runner, with children of its own (one detached with setsid),
// dies with Kiln when Kiln is SIGKILLed: as root and as an unprivileged user (whose commands get
// a pid namespace inside a user namespace that keeps their uid).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { isRoot } from '../../helpers/cli.js';
import { markedProcesses, MARK_VAR, sleep, waitFor } from '../../helpers/interrupt.js';

const USER = 'kiln-test';
const skip = !isRoot() ? (process.env.CI === 'true' ? false : "needs root (reads every process's environment)") : false;

function hasUser(): boolean {
  try {
    execFileSync('id', [USER], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

async function killedHost(user?: string): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'kiln-lifeline-'));
  chmodSync(dir, 0o777);
  try {
    const ready = join(dir, 'ready');
    const script = join(dir, 'host.mjs');
    writeFileSync(
      script,
      `
      import { Runner } from '${resolve('dist/src/exec/runner.js')}';
      await new Runner().run('sh', ['-c', 'sleep 1000 & (setsid sleep 1001 &); touch ${ready}; sleep 1002']);
    `,
    );
    const argv = [...(user ? ['runuser', '-u', user, '--', 'env', `${MARK_VAR}=${dir}`] : []), process.execPath, script];
    const child = spawn(argv[0]!, argv.slice(1), { env: { ...process.env, [MARK_VAR]: dir }, stdio: 'ignore' });
    const exited = new Promise((r) => child.on('exit', r));
    await waitFor(() => existsSync(ready), 20_000, 'the command to start');
    assert.ok(markedProcesses(dir).length >= 4, `the command and its children run: ${markedProcesses(dir).join('\n')}`);
    const node = markedProcesses(dir)
      .map((l) => l.split(': '))
      .find(([, cmd]) => cmd!.startsWith(`${process.execPath} ${script}`));
    process.kill(Number(node![0]), 'SIGKILL');
    await exited;
    await sleep(1000);
    assert.deepEqual(markedProcesses(dir), [], 'nothing of the command is left');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('a Runner command and its children die when Kiln is SIGKILLed (root)', { skip }, () => killedHost());

test('the same as an unprivileged user', { skip: skip || (!hasUser() && process.env.CI !== 'true' ? `no user ${USER}` : false) }, () => killedHost(USER));
