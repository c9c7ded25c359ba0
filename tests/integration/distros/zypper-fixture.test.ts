/**
 * The opensuse driver against fixture RPM repositories built by the test (rpmbuild + createrepo_c,
 * tests/helpers/rpm-repo.ts), laid out as openSUSE's download tree under a local mirror
 * directory (DIB_DISTRIBUTION_MIRROR): real `zypper --root` installs into a tree, checked with
 * `rpm -qa --root` and the files. The data file (KILN_DISTRO_DATA_DIR) is Kiln's opensuse.yaml
 * with the fixture's package set and no kernel. A busybox package gives the tree /bin/sh, so a
 * %post scriptlet runs chrooted in it (with the /proc the bootstrap mounts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { NO_FLAGS, readSettings } from '../../../src/config/read-settings.js';
import { DISTROS_DIR } from '../../../src/distros/debian-data.js';
import { distroDriver } from '../../../src/distros/index.js';
import { KilnError } from '../../../src/errors.js';
import { Runner } from '../../../src/exec/runner.js';
import { MemoryLogger } from '../../../src/log.js';
import { currentIdentity, subordinateRange } from '../../../src/sandbox/identity.js';
import { findTool } from '../../helpers/host-tools.js';
import { buildRpmRepo, type FixtureRpm, makeSigningKey, missingRpmFixtureTools } from '../../helpers/rpm-repo.js';

const identity = currentIdentity();
const skip = !identity.privileged && process.env.CI !== 'true' ? 'needs root (or CI)' : false;
const DBPATH = '/usr/lib/sysimage/rpm';
const ZYPPER_KEY = 'Kiln zypper fixture <zypper-fixture@kiln.invalid>';

const PACKAGES: FixtureRpm[] = [
  { name: 'fixture-busybox', copy: { '/usr/bin/busybox': findTool('busybox') ?? '/usr/bin/busybox' }, symlinks: { '/bin/sh': '/usr/bin/busybox' } },
  { name: 'fixture-lib', version: '2.1', files: { '/usr/lib/fixture/lib.txt': 'fixture-lib 2.1\n' }, provides: ['fixture-abi = 2'] },
  {
    name: 'fixture-base',
    requires: ['fixture-abi >= 2', '/bin/sh'],
    provides: ['fixture-pattern-base'],
    recommends: ['fixture-recommended'],
    files: { '/etc/fixture-release': 'NAME="Fixture"\n' },
    // chrooted into the tree by rpm: needs /bin/sh there, and sees the /proc the bootstrap mounted
    post: 'test -r /proc/self/stat && echo "post ran in $(cat /etc/fixture-release)" > /etc/fixture-post',
  },
  { name: 'fixture-recommended', files: { '/usr/share/fixture/recommended': 'x\n' } },
];

/** Kiln's opensuse.yaml with the fixture's packages (a capability among them) and no kernel. */
function fixtureData(dir: string, packages: string[]): string {
  mkdirSync(dir, { recursive: true });
  const ours = readFileSync(join(DISTROS_DIR, 'opensuse.yaml'), 'utf8');
  const text = ours
    .replaceAll('kernel: kernel-default', 'kernel: null')
    .replace(/^packages:\n(?: {2}- .*\n)+/m, `packages:\n${packages.map((p) => `  - ${p}\n`).join('')}`);
  assert.notEqual(text, ours);
  writeFileSync(join(dir, 'opensuse.yaml'), text);
  return dir;
}

function request(work: string, name: string, env: Record<string, string>, log: MemoryLogger) {
  const target = join(work, name);
  mkdirSync(target);
  return {
    arch: 'amd64',
    settings: readSettings(env, NO_FLAGS, 'bootstrap'),
    cacheDir: join(work, 'cache'),
    useCache: true,
    offline: false,
    target,
    tmpDir: join(work, `${name}-tmp`),
    runner: new Runner(log),
    log,
    identity,
  };
}

const rpmQa = (tree: string): string[] =>
  execFileSync('rpm', ['--root', tree, '--dbpath', DBPATH, '-qa', '--qf', '%{NAME}-%{VERSION}\n'], { encoding: 'utf8' }).trim().split('\n').sort();

const tools = missingRpmFixtureTools();
const why = skip || (tools.length && process.env.CI !== 'true' ? `missing ${tools.join(', ')}` : false);

test('opensuse driver: zypper --root installs from a signed fixture repository laid out as Leap 16.0 (dependencies, capabilities, %post, no recommends); a second bootstrap is a cache hit', {
  skip: why,
  timeout: 5 * 60_000,
}, async () => {
  const work = mkdtempSync(join(tmpdir(), 'kiln-zypper-fixture-'));
  try {
    const key = makeSigningKey(join(work, 'key'), ZYPPER_KEY);
    const repo = buildRpmRepo(join(work, 'repo'), [...PACKAGES, { name: 'fixture-top', requires: ['fixture-base'], provides: ['fixture-top-cap'] }], {
      signRepodata: key,
    });
    const mirror = join(work, 'mirror');
    mkdirSync(join(mirror, 'distribution/leap/16.0/repo/oss'), { recursive: true });
    cpSync(repo, join(mirror, 'distribution/leap/16.0/repo/oss/x86_64'), { recursive: true });
    const env = { KILN_DISTRO_DATA_DIR: fixtureData(join(work, 'data'), ['fixture-top-cap', 'fixture-pattern-base']), DIB_DISTRIBUTION_MIRROR: mirror };

    const log = new MemoryLogger();
    const req = request(work, 'tree', env, log);
    await distroDriver('opensuse').bootstrap(req);
    const tree = req.target;

    assert.deepEqual(
      rpmQa(tree).filter((p) => !p.startsWith('gpg-pubkey')),
      ['fixture-base-1.0', 'fixture-busybox-1.0', 'fixture-lib-2.1', 'fixture-top-1.0'],
    );
    // the repository key was imported into the tree's rpm database (--gpg-auto-import-keys)
    assert.ok(
      rpmQa(tree).some((p) => p.startsWith('gpg-pubkey')),
      'gpg-pubkey in the rpm database',
    );
    const fpr = key.fingerprint.toLowerCase();
    assert.ok(rpmQa(tree).includes(`gpg-pubkey-${fpr.slice(-8)}`), `${rpmQa(tree).join(' ')} has the key ${fpr.slice(-8)}`);
    assert.equal(readFileSync(join(tree, 'usr/lib/fixture/lib.txt'), 'utf8'), 'fixture-lib 2.1\n');
    assert.equal(readFileSync(join(tree, 'etc/fixture-post'), 'utf8'), 'post ran in NAME="Fixture"\n');
    assert.ok(!existsSync(join(tree, 'usr/share/fixture/recommended')));
    // the database is where openSUSE's rpm looks for it, not under the host rpm's default
    assert.ok(existsSync(join(tree, DBPATH.slice(1))));
    assert.ok(!existsSync(join(tree, 'root/.rpmdb')));
    // the image's zypper has the repositories; the bootstrap's caches are gone
    const repoFile = readFileSync(join(tree, 'etc/zypp/repos.d/repo-oss.repo'), 'utf8');
    assert.match(repoFile, new RegExp(`^baseurl=dir://${mirror}/distribution/leap/16.0/repo/oss/x86_64/$`, 'm'));
    assert.match(repoFile, /^gpgcheck=1$/m);
    assert.deepEqual(readdirSync(join(tree, 'etc/zypp/repos.d')), ['repo-oss.repo']);
    assert.ok(!existsSync(join(tree, 'var/cache/zypp/solv')));
    assert.deepEqual(readdirSync(req.tmpDir), [], 'private zypper directory removed');
    // nothing mounted stays (the namespace is gone)
    assert.deepEqual(readdirSync(join(tree, 'proc')), []);
    assert.match(log.text(), /opensuse 16\.0 x86_64 with zypper/);

    const log2 = new MemoryLogger();
    const req2 = request(work, 'tree2', env, log2);
    await distroDriver('opensuse').bootstrap(req2);
    assert.match(log2.text(), /from the cache/);
    assert.doesNotMatch(log2.text(), /with zypper/);
    assert.deepEqual(rpmQa(req2.target), rpmQa(tree));
    assert.equal(readFileSync(join(req2.target, 'etc/fixture-post'), 'utf8'), 'post ran in NAME="Fixture"\n');
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});

test('opensuse driver: an unsigned repository is refused unless KILN_ZYPPER_NO_GPG_CHECKS=1; an unknown package is a KilnError naming the repositories', {
  skip: why,
  timeout: 5 * 60_000,
}, async () => {
  const work = mkdtempSync(join(tmpdir(), 'kiln-zypper-unsigned-'));
  try {
    const url = `dir://${buildRpmRepo(join(work, 'repo'), PACKAGES)}`;
    const base = { KILN_DISTRO_DATA_DIR: fixtureData(join(work, 'data'), ['fixture-base']), DIB_ZYPPER_REPOS: `oss=>${url}`, DIB_RELEASE: 'Tumbleweed' };

    const refused = request(work, 'refused', base, new MemoryLogger());
    await assert.rejects(distroDriver('opensuse').bootstrap(refused), (e: unknown) => e instanceof KilnError && /zypper/.test(e.message));
    assert.ok(!existsSync(join(refused.target, 'etc/fixture-release')));

    const log = new MemoryLogger();
    const ok = request(work, 'ok', { ...base, KILN_ZYPPER_NO_GPG_CHECKS: '1' }, log);
    await distroDriver('opensuse').bootstrap(ok);
    assert.deepEqual(rpmQa(ok.target), ['fixture-base-1.0', 'fixture-busybox-1.0', 'fixture-lib-2.1']);
    assert.match(readFileSync(join(ok.target, 'etc/zypp/repos.d/repo-oss.repo'), 'utf8'), /^autorefresh=1$/m);
    assert.match(log.text(), /opensuse tumbleweed x86_64 with zypper/);

    const missing = request(
      work,
      'missing',
      { ...base, KILN_ZYPPER_NO_GPG_CHECKS: '1', KILN_DISTRO_DATA_DIR: fixtureData(join(work, 'data2'), ['no-such-package']) },
      new MemoryLogger(),
    );
    await assert.rejects(
      distroDriver('opensuse').bootstrap(missing),
      (e: unknown) => e instanceof KilnError && /no package providing/.test(e.message) && (e.hint ?? '').includes(url),
    );
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});

/** The unprivileged test user (scripts/setup-test-user's kiln-test), or why there is none. */
function testUser(): { uid: number; gid: number } | string {
  if (process.getuid?.() !== 0) return process.env.CI === 'true' ? '' : 'needs root to run as the test user';
  try {
    const id = (flag: string): number => Number(execFileSync('id', [flag, 'kiln-test'], { encoding: 'utf8' }).trim());
    const me = { privileged: false, uid: id('-u'), gid: id('-g'), user: 'kiln-test' };
    if (!subordinateRange('/etc/subuid', me) || !subordinateRange('/etc/subgid', me)) return 'kiln-test has no subordinate ids (scripts/setup-test-user)';
    return { uid: me.uid, gid: me.gid };
  } catch {
    if (process.env.CI === 'true') throw new Error('user kiln-test missing: run scripts/setup-test-user');
    return 'no user kiln-test (scripts/setup-test-user)';
  }
}

test('opensuse driver, rootless: zypper --root in the user namespace (root of the tree is the user), then a cache hit', {
  skip: why || (typeof testUser() === 'string' && testUser() !== '' ? (testUser() as string) : false),
  timeout: 5 * 60_000,
}, () => {
  const u = testUser() as { uid: number; gid: number };
  const work = mkdtempSync(join(tmpdir(), 'kiln-zypper-rootless-'));
  try {
    chmodSync(work, 0o755);
    const url = `dir://${buildRpmRepo(join(work, 'repo'), PACKAGES, { signRepodata: makeSigningKey(join(work, 'key'), ZYPPER_KEY) })}`;
    execFileSync('chmod', ['-R', 'a+rX', work]);
    const data = fixtureData(join(work, 'data'), ['fixture-base']);
    const home = join(work, 'user');
    mkdirSync(home);
    chownSync(home, u.uid, u.gid);
    const mod = (p: string) => resolve('dist/src', p);
    const run = (name: string): { zypper: boolean; log: string } => {
      const script = join(home, `${name}.mjs`);
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
        mkdirSync('${join(home, name)}');
        const env = { KILN_DISTRO_DATA_DIR: '${data}', DIB_ZYPPER_REPOS: 'oss=>${url}' };
        await distroDriver('opensuse').bootstrap({ arch: 'amd64', settings: readSettings(env, NO_FLAGS, 'bootstrap'), cacheDir: '${join(home, 'cache')}',
          useCache: true, offline: false, target: '${join(home, name)}', tmpDir: '${join(home, `${name}-tmp`)}', runner: new R(log), log, identity });
        process.stdout.write(JSON.stringify({ zypper: calls.some((c) => / zypper /.test(c)), log: log.text() }));
      `,
      );
      return JSON.parse(execFileSync('runuser', ['-u', 'kiln-test', '--', process.execPath, script], { encoding: 'utf8', cwd: home, maxBuffer: 64 << 20 }));
    };
    const first = run('tree1');
    assert.ok(first.zypper, 'the first run bootstraps with zypper');
    const t = join(home, 'tree1');
    assert.deepEqual(
      rpmQa(t).filter((p) => !p.startsWith('gpg-pubkey')),
      ['fixture-base-1.0', 'fixture-busybox-1.0', 'fixture-lib-2.1'],
    );
    assert.equal(statSync(join(t, 'etc/fixture-release')).uid, u.uid, 'root-owned files belong to the user (namespace root)');
    assert.equal(statSync(join(t, 'etc/zypp/repos.d/repo-oss.repo')).uid, u.uid);
    assert.equal(readFileSync(join(t, 'etc/fixture-post'), 'utf8'), 'post ran in NAME="Fixture"\n');
    const second = run('tree2');
    assert.equal(second.zypper, false, 'the second run is a cache hit');
    assert.match(second.log, /from the cache/);
    assert.deepEqual(rpmQa(join(home, 'tree2')), rpmQa(t));
  } finally {
    execFileSync('rm', ['-rf', '--one-file-system', work]);
  }
});
