/**
 * Interrupting a cold Debian build while mmdebstrap runs (empty cache): once with SIGKILL, once
 * with SIGINT. 1 s after Kiln is gone no process of the build is left (mmdebstrap, apt, dpkg:
 * marked by an environment variable and the test's base path), TMPDIR holds no temporary tree
 * (mmdebstrap's is in the workspace), and no cache temp file remains: SIGKILL's partial tarball
 * is swept when the next build starts, SIGINT's own is removed at once.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signalExitCode } from '../../src/errors.js';
import { findTool } from '../helpers/host-tools.js';
import { kilnPid, listTree, markedProcesses, namedWorkspace, sleep, startKiln, waitFor, workspaces } from '../helpers/interrupt.js';

const isRoot = process.getuid?.() === 0;
const skip =
  !isRoot && process.env.CI !== 'true' ? 'needs root (or CI)' : !findTool('mmdebstrap') && process.env.CI !== 'true' ? 'mmdebstrap is not installed' : false;

const cacheTemps = (cache: string): string[] => {
  const b = join(cache, 'bootstrap');
  return existsSync(b) ? readdirSync(b).filter((n) => n.includes('.tmp-')) : [];
};

test('a cold Debian build killed during mmdebstrap leaves no process, no temporary tree outside the workspace, no cache temp file', {
  skip,
  timeout: 20 * 60_000,
}, async (t) => {
  const base = mkdtempSync(join(tmpdir(), 'kiln-kill-debian-'));
  chmodSync(base, 0o755);
  const d = { tmp: join(base, 'tmp'), out: join(base, 'out'), cache: join(base, 'cache'), tmpdir: join(base, 'tmpdir') };
  for (const p of Object.values(d)) mkdirSync(p);
  const env = { DIB_RELEASE: 'bookworm', TMP_DIR: d.tmp, DIB_IMAGE_CACHE: d.cache, TMPDIR: d.tmpdir };
  const args = ['debian-minimal', '-t', 'tar', '-o', join(d.out, 'img')];

  /** Start a build; return once mmdebstrap has run for `runMs`. */
  const startBootstrap = async (runMs: number) => {
    const run = startKiln('disk-image-create', args, env, base);
    await waitFor(() => markedProcesses(base).some((l) => /mmdebstrap /.test(l)), 5 * 60_000, 'mmdebstrap to start', 200);
    await sleep(runMs);
    const pid = kilnPid(base, 'disk-image-create');
    assert.ok(pid, `Kiln still runs:\n${run.stderr().slice(-2000)}`);
    return { run, pid };
  };
  const checkNothingLeft = async (what: string) => {
    await sleep(1000);
    assert.deepEqual(markedProcesses(base), [], `${what}: no mmdebstrap, apt or dpkg process is left`);
    assert.deepEqual(listTree(d.tmpdir), [], `${what}: no temporary tree in TMPDIR`);
    assert.deepEqual(listTree(d.out), [], `${what}: no output`);
  };
  try {
    let killedTemps: string[] = [];
    await t.test('SIGKILL', async () => {
      const { run, pid } = await startBootstrap(12_000);
      assert.ok(cacheTemps(d.cache).length === 1, `mmdebstrap writes its tarball under a temporary name: ${cacheTemps(d.cache)}`);
      process.kill(pid, 'SIGKILL');
      await run.exited;
      await checkNothingLeft('SIGKILL');
      const ws = workspaces(d.tmp);
      assert.equal(ws.length, 1, 'TMP_DIR holds only the workspace');
      assert.ok(existsSync(join(ws[0]!, 'tmp/bootstrap')), "mmdebstrap's temporary tree was in the workspace");
      killedTemps = cacheTemps(d.cache);
    });
    await t.test("SIGINT; the next build has swept the killed one's cache temp file", async () => {
      const { run, pid } = await startBootstrap(12_000);
      for (const n of killedTemps) assert.ok(!cacheTemps(d.cache).includes(n), `${n} swept when the build started`);
      process.kill(pid, 'SIGINT');
      const end = await run.exited;
      assert.equal(end.code, signalExitCode('SIGINT'), run.stderr().slice(-2000));
      await checkNothingLeft('SIGINT');
      const ws = namedWorkspace(run.stderr());
      assert.ok(ws && workspaces(d.tmp).includes(ws), `the message names the workspace:\n${run.stderr().slice(-2000)}`);
      assert.ok(!existsSync(join(ws, 'tmp/bootstrap')), "mmdebstrap's temporary tree is removed after an interrupt");
      assert.deepEqual(cacheTemps(d.cache), [], 'no cache temp file');
    });
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});
