/**
 * Rootless: the unprivileged test user (scripts/setup-test-user's kiln-test) bootstraps bookworm
 * with the debian driver (mmdebstrap --mode=unshare, unpack in the user namespace). Owners in the
 * tree must be the ids root of the tree sees, mapped as Kiln maps them (0 -> the user,
 * N -> subordinate base + N - 1), so that mkfs from the tree records them right; /dev is not
 * unpacked. A second run as the user is a cache hit.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { subordinateRange } from '../../../src/sandbox/identity.js';

const USER = 'kiln-test';

function testUser(): { uid: number; gid: number; subuid: number; subgid: number } | string {
  if (process.getuid?.() !== 0) return process.env.CI === 'true' ? '' : 'needs root to run as the test user';
  const id = (flag: string): number => Number(execFileSync('id', [flag, USER], { encoding: 'utf8' }).trim());
  try {
    const me = { privileged: false, uid: id('-u'), gid: id('-g'), user: USER };
    const su = subordinateRange('/etc/subuid', me);
    const sg = subordinateRange('/etc/subgid', me);
    if (!su || !sg) return `${USER} has no subordinate ids (scripts/setup-test-user)`;
    return { uid: me.uid, gid: me.gid, subuid: su.start, subgid: sg.start };
  } catch {
    if (process.env.CI === 'true') throw new Error(`user ${USER} missing: run scripts/setup-test-user`);
    return `no user ${USER} (scripts/setup-test-user)`;
  }
}

const who = testUser();

function runAsUser(work: string, name: string): string {
  const script = join(work, `${name}.mjs`);
  const target = join(work, name);
  const mod = (p: string) => resolve('dist/src', p);
  writeFileSync(
    script,
    `
    import { NO_FLAGS, readSettings } from '${mod('config/read-settings.js')}';
    import { distroDriver } from '${mod('distros/index.js')}';
    import { Runner } from '${mod('exec/runner.js')}';
    import { MemoryLogger } from '${mod('log.js')}';
    import { currentIdentity } from '${mod('sandbox/identity.js')}';
    import { mkdirSync } from 'node:fs';
    const log = new MemoryLogger();
    const identity = currentIdentity();
    if (identity.privileged) throw new Error('expected to be unprivileged');
    const calls = [];
    class R extends Runner { run(c, a, o) { calls.push(c + ' ' + a.join(' ')); return super.run(c, a, o); } }
    mkdirSync('${target}');
    await distroDriver('debian').bootstrap({ arch: 'amd64', settings: readSettings({ DIB_RELEASE: 'bookworm' }, NO_FLAGS, 'bootstrap'), cacheDir: '${join(work, 'cache')}',
      useCache: true, offline: false, target: '${target}', runner: new R(log), log, identity });
    process.stdout.write(JSON.stringify({ mmdebstrap: calls.some((c) => /(^| )mmdebstrap /.test(c)), log: log.text() }));
  `,
  );
  return execFileSync('runuser', ['-u', USER, '--', process.execPath, script], { encoding: 'utf8', cwd: work, maxBuffer: 64 << 20 });
}

test('rootless bootstrap: mmdebstrap --mode=unshare, owners mapped, then a cache hit', {
  skip: typeof who === 'string' && who !== '' ? who : false,
  timeout: 20 * 60_000,
}, () => {
  const u = who as Exclude<typeof who, string>;
  const work = mkdtempSync(join(tmpdir(), 'kiln-debian-rootless-'));
  try {
    chmodSync(work, 0o755);
    chownSync(work, u.uid, u.gid);
    mkdirSync(join(work, 'cache'));
    chownSync(join(work, 'cache'), u.uid, u.gid);
    const first = JSON.parse(runAsUser(work, 'tree1')) as { mmdebstrap: boolean; log: string };
    assert.ok(first.mmdebstrap, 'first run bootstraps');
    const t = join(work, 'tree1');
    const st = (p: string) => statSync(join(t, p));
    assert.equal(st('usr/bin/apt').uid, u.uid, 'root-owned files belong to the user (ns 0)');
    assert.equal(st('etc/shadow').uid, u.uid);
    assert.equal(st('etc/shadow').gid, u.subgid + 42 - 1, '/etc/shadow group shadow (42) maps into the subordinate range');
    assert.equal(st('var/log/apt').uid, u.uid);
    assert.ok(existsSync(join(t, 'dev')) && readdirSync(join(t, 'dev')).length === 0, '/dev is not unpacked');
    assert.ok(readdirSync(join(t, 'boot')).some((f) => f.startsWith('vmlinuz-')));
    const second = JSON.parse(runAsUser(work, 'tree2')) as { mmdebstrap: boolean; log: string };
    assert.equal(second.mmdebstrap, false, 'second run is a cache hit');
    assert.match(second.log, /from the cache/);
    assert.equal(statSync(join(work, 'tree2/etc/shadow')).gid, u.subgid + 41);
  } finally {
    execFileSync('rm', ['-rf', '--one-file-system', work]);
  }
});
