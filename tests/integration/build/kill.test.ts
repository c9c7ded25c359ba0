// Kiln killed in every hook phase with SIGKILL, SIGHUP, SIGTERM and SIGINT (the node process
// itself, by pid). The kill-points element blocks in the phase under test with a plain and a
// detached (setsid) background child. 1 s after Kiln is gone: no process of the build is left
// (marked by an environment variable and the test's base path), nothing exists outside the
// workspace but the outputs that were there before, the exit code is 128 + the signal's number
// and the message names the workspace; then a build with the same -o succeeds.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { signalExitCode } from '../../../src/errors.js';
import { FIXTURE_ELEMENTS, isRoot, runCli } from '../../helpers/cli.js';
import { kilnPid, listTree, markedProcesses, namedWorkspace, sleep, startKiln, waitFor, workspaces, workspaceTree } from '../../helpers/interrupt.js';

const ALL_PHASES = ['root', 'extra-data', 'pre-install', 'install', 'post-install', 'post-root', 'block-device', 'pre-finalise', 'finalise', 'cleanup'];
// the handled signals share one code path: a shorter list keeps the file near 2 minutes
const SOME_PHASES = ALL_PHASES.filter((p) => p !== 'post-root' && p !== 'pre-finalise');
const SIGNALS: NodeJS.Signals[] = ['SIGKILL', 'SIGHUP', 'SIGTERM', 'SIGINT'];
const USER = 'kiln-test';
const NOSUB = 'kiln-nosub';
const skip = !isRoot() ? (process.env.CI === 'true' ? false : "needs root (reads every process's environment)") : false;

interface Dirs {
  base: string;
  tmp: string;
  out: string;
  cache: string;
  tmpdir: string;
}

function makeDirs(): Dirs {
  const base = mkdtempSync(join(tmpdir(), 'kiln-kill-'));
  chmodSync(base, 0o755);
  const d = { base, tmp: join(base, 'tmp'), out: join(base, 'out'), cache: join(base, 'cache'), tmpdir: join(base, 'tmpdir') };
  for (const p of [d.tmp, d.out, d.cache, d.tmpdir]) {
    mkdirSync(p);
    chmodSync(p, 0o777); // the rootless runs write here too
  }
  return d;
}

function buildEnv(d: Dirs, phase?: string): Record<string, string> {
  return {
    ELEMENTS_PATH: FIXTURE_ELEMENTS,
    TMP_DIR: d.tmp,
    DIB_IMAGE_CACHE: d.cache,
    TMPDIR: d.tmpdir,
    // a build killed after post-install.d has stored its layer, a whole cache entry: this test is
    // about what else a killed build leaves, so the cache must stay empty
    KILN_NO_LAYER_CACHE: '1',
    ...(phase ? { KILN_TEST_BLOCK_PHASE: phase } : {}),
  };
}

const ARGS = (d: Dirs) => ['kill-points', '-t', 'tar', '-o', join(d.out, 'img')];

/** One build, killed in `phase` with `sig`; every check of the file header. */
async function killIn(d: Dirs, phase: string, sig: NodeJS.Signals, user?: string, cmd: 'disk-image-create' | 'kiln' = 'disk-image-create'): Promise<void> {
  const outBefore = listTree(d.out);
  const args = cmd === 'kiln' ? ['build', ...ARGS(d)] : ARGS(d);
  const run = startKiln(cmd, args, { ...buildEnv(d, phase), ...(user ? { HOME: `/home/${user}` } : {}) }, d.base, user);
  const what = `${cmd}: ${sig} in ${phase}.d${user ? ` as ${user}` : ''}`;
  try {
    await waitFor(() => workspaces(d.tmp).some((w) => existsSync(join(workspaceTree(w), 'kiln-test-ready'))), 60_000, `${phase}.d to block (${what})`);
    const pid = await waitFor(() => kilnPid(d.base, cmd), 5000, "Kiln's pid");
    process.kill(pid, sig);
    const end = await run.exited;
    await sleep(1000);
    assert.deepEqual(markedProcesses(d.base), [], `${what}: no process of the build is left`);
    if (!user) {
      if (sig === 'SIGKILL') assert.equal(end.signal, 'SIGKILL', what);
      else assert.equal(end.code, signalExitCode(sig), `${what}: exit code\n${run.stderr()}`);
    }
    const ws = workspaces(d.tmp);
    assert.equal(ws.length, 1, `${what}: only the workspace is left in TMP_DIR: ${ws.join(' ')}`);
    if (sig !== 'SIGKILL') assert.equal(namedWorkspace(run.stderr()), ws[0], `${what}: the message names the workspace\n${run.stderr()}`);
    assert.deepEqual(listTree(d.out), outBefore, `${what}: the output directory is as it was`);
    assert.deepEqual(listTree(d.tmpdir), [], `${what}: nothing in TMPDIR`);
    // (host/tool-versions.json is a memo of the host's tool versions, which an earlier build of this test made)
    assert.deepEqual(
      listTree(d.cache).filter((p) => p !== 'host' && p !== 'host/tool-versions.json'),
      [],
      `${what}: nothing in the cache`,
    );
  } finally {
    run.child.kill('SIGKILL');
    for (const w of workspaces(d.tmp)) rmSync(w, { recursive: true, force: true });
  }
}

function buildSucceeds(d: Dirs): void {
  const r = runCli('disk-image-create', ARGS(d), { env: buildEnv(d) });
  assert.equal(r.status, 0, `the next build with the same -o: ${r.stderr.slice(-3000)}`);
  assert.ok(existsSync(join(d.out, 'img.tar')));
  assert.deepEqual(workspaces(d.tmp), [], 'its workspace is removed');
}

/** SysV message queues of a user (fakeroot's faked talks over them). */
function messageQueues(user: string): string[] {
  return execFileSync('ipcs', ['-q'], { encoding: 'utf8' })
    .split('\n')
    .filter((l) => l.split(/\s+/)[2] === user);
}

function hasTestUser(user = USER): boolean {
  try {
    execFileSync('id', [user], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('interrupting a build: nothing of it survives, only the workspace is kept', { skip }, () => {
  const d = makeDirs();
  after(() => rmSync(d.base, { recursive: true, force: true }));

  for (const sig of SIGNALS) {
    it(`${sig} in ${sig === 'SIGKILL' ? 'each' : 'every main'} hook phase, then a build with the same -o succeeds`, async () => {
      for (const phase of sig === 'SIGKILL' ? ALL_PHASES : SOME_PHASES) await killIn(d, phase, sig);
      buildSucceeds(d);
    });
  }

  it('kiln build: SIGHUP and SIGTERM', async () => {
    await killIn(d, 'install', 'SIGHUP', undefined, 'kiln');
    await killIn(d, 'root', 'SIGTERM', undefined, 'kiln');
  });

  it('unprivileged: SIGKILL and SIGINT in a host phase and in an in-tree phase', {
    skip: !hasTestUser() && process.env.CI !== 'true' ? `no user ${USER} (scripts/setup-test-user)` : false,
  }, async () => {
    for (const [phase, sig] of [
      ['root', 'SIGKILL'],
      ['install', 'SIGKILL'],
      ['install', 'SIGINT'],
    ] as const)
      await killIn(d, phase, sig, USER);
  });

  it('fakeroot mode (no subordinate ids): SIGKILL in a host and an in-tree phase leaves no process and no message queue', {
    skip: !hasTestUser(NOSUB) && process.env.CI !== 'true' ? `no user ${NOSUB} (scripts/setup-test-user)` : false,
  }, async () => {
    const before = messageQueues(NOSUB);
    for (const phase of ['root', 'install']) {
      await killIn(d, phase, 'SIGKILL', NOSUB);
      assert.deepEqual(messageQueues(NOSUB), before, `SIGKILL in ${phase}.d: faked's message queues are gone`);
    }
  });
});
