/**
 * A throwaway OCI registry for tests: Debian's docker-registry (distribution) on 127.0.0.1 at a
 * free port, plain HTTP, its storage and config file in a temporary directory. Never the
 * package's own service (on :5000). The registry dies with the test process (pdeathsig) and with
 * stop(), which also removes its storage.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findTool } from './host-tools.js';

export interface Registry {
  /** 127.0.0.1:PORT */
  host: string;
  stop(): Promise<void>;
}

/** A port nobody listens on now (the kernel's pick for port 0). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      s.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

async function waitUntilServing(host: string, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`docker-registry exited (${child.exitCode}):\n${log()}`);
    try {
      const r = await fetch(`http://${host}/v2/`);
      if (r.status === 200) return;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`docker-registry did not answer on ${host}:\n${log()}`);
}

export async function startRegistry(): Promise<Registry> {
  const bin = findTool('docker-registry', `${process.env.PATH ?? ''}:/usr/bin:/usr/sbin`);
  assert.ok(bin, "docker-registry is missing: install Debian's docker-registry package (scripts/setup --test does)");
  for (let attempt = 0; ; attempt++) {
    const dir = mkdtempSync(join(tmpdir(), 'kiln-registry-'));
    const port = await freePort();
    const host = `127.0.0.1:${port}`;
    const config = join(dir, 'config.yml');
    writeFileSync(
      config,
      [
        'version: 0.1',
        'log: {level: error, accesslog: {disabled: true}}',
        `storage: {filesystem: {rootdirectory: ${join(dir, 'data')}}, delete: {enabled: true}}`,
        `http: {addr: "${host}"}`,
        '',
      ].join('\n'),
    );
    let out = '';
    // setpriv --pdeathsig: the registry dies with this process even when the test is killed
    const child = spawn('setpriv', ['--pdeathsig', 'KILL', '--', bin, 'serve', config], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (out += d));
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    const stop = async (): Promise<void> => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(t);
      }
      rmSync(dir, { recursive: true, force: true });
    };
    try {
      await waitUntilServing(host, child, () => out);
      return { host, stop };
    } catch (e) {
      await stop();
      // another process took the port between freePort and the registry's listen: try another
      if (attempt < 3 && /address already in use/.test(out)) continue;
      throw e;
    }
  }
}
