/**
 * The centos driver against fixture RPM repositories in CentOS Stream's mirror layout
 * (MIRROR/9-stream/BaseOS/<arch>/os and .../AppStream/<arch>/os), built by this test with rpmbuild
 * and createrepo_c (tests/helpers/rpm-repo.ts) and signed with a key the test makes. The data file
 * (KILN_DISTRO_DATA_DIR) is Kiln's centos.yaml with the fixture's package set and no kernel. The
 * tree is checked with the host's rpm (its database, at the release's dbpath) and by its files;
 * the %post scriptlet runs in the tree with a static busybox as /bin/sh. Offline.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NO_FLAGS, readSettings } from '../../../src/config/read-settings.js';
import { DISTROS_DIR } from '../../../src/distros/debian-data.js';
import { distroDriver } from '../../../src/distros/index.js';
import { KilnError } from '../../../src/errors.js';
import { CommandError, Runner } from '../../../src/exec/runner.js';
import { MemoryLogger } from '../../../src/log.js';
import { currentIdentity } from '../../../src/sandbox/identity.js';
import { findTool } from '../../helpers/host-tools.js';
import { startRegistry } from '../../helpers/registry.js';
import { baseFixturePackages, buildRpmRepo, makeSigningKey, type SigningKey } from '../../helpers/rpm-repo.js';

const identity = currentIdentity();
const skip = !identity.privileged && process.env.CI !== 'true' ? 'needs root (or CI)' : false;
const RPM_ARCH = process.arch === 'arm64' ? 'aarch64' : 'x86_64';

interface Fixture {
  work: string;
  mirror: string;
  key: SigningKey;
  dataDir: string;
}

function fixture(): Fixture {
  for (const t of ['dnf', 'rpmbuild', 'createrepo_c', 'rpmsign', 'gpg']) assert.ok(findTool(t), `${t} is not installed (scripts/setup installs it)`);
  const busybox = findTool('busybox');
  assert.ok(busybox, 'busybox is not installed (busybox-static)');
  const work = mkdtempSync(join(tmpdir(), 'kiln-dnf-fixture-'));
  const key = makeSigningKey(work);
  const mirror = join(work, 'mirror');
  buildRpmRepo(join(mirror, '9-stream/BaseOS', RPM_ARCH, 'os'), baseFixturePackages(busybox, RPM_ARCH), { sign: key });
  buildRpmRepo(
    join(mirror, '9-stream/AppStream', RPM_ARCH, 'os'),
    [
      {
        name: 'fixture-tool',
        version: '2.0',
        requires: ['setup', 'fixture-capability'],
        files: { '/usr/share/fixture-tool/README': 'from AppStream\n' },
      },
      { name: 'fixture-provider', provides: ['fixture-capability = 1'], files: { '/etc/fixture-provider.conf': 'provided=1\n' } },
      // weak dependencies are not installed (install_weak_deps=False)
      { name: 'fixture-weak', files: { '/etc/fixture-weak': 'weak\n' } },
    ],
    { sign: key },
  );
  const dataDir = join(work, 'data');
  mkdirSync(dataDir);
  const ours = readFileSync(join(DISTROS_DIR, 'centos.yaml'), 'utf8');
  const data = ours
    .replace(/^kernel: kernel$/m, 'kernel: null')
    .replace(/^packages:\n(?: {2}(?:- .*|#.*)\n)+/m, 'packages: [setup, fixture-tool]\n')
    .replace(/^release_packages:\n(?: {2}.*\n)+/m, 'release_packages: {}\n');
  assert.match(data, /^packages: \[setup, fixture-tool\]$/m);
  writeFileSync(join(dataDir, 'centos.yaml'), data);
  return { work, mirror: `file://${mirror}`, key, dataDir };
}

async function bootstrap(f: Fixture, env: Record<string, string>, name: string, cacheDir = join(f.work, 'cache')) {
  const target = join(f.work, name);
  mkdirSync(target);
  const log = new MemoryLogger();
  await distroDriver('centos').bootstrap({
    arch: process.arch === 'x64' ? 'amd64' : RPM_ARCH,
    settings: readSettings({ KILN_DISTRO_DATA_DIR: f.dataDir, ...env }, NO_FLAGS, 'bootstrap'),
    cacheDir,
    useCache: true,
    offline: false,
    target,
    tmpDir: join(f.work, `tmp-${name}`),
    runner: new Runner(log),
    log,
    identity,
  });
  return { target, log: log.lines.map((l) => l.msg).join('\n') };
}

function installed(target: string): string[] {
  return execFileSync('rpm', ['-qa', '--root', target, '--dbpath', '/var/lib/rpm', '--qf', '%{NAME}\n'], { encoding: 'utf8' })
    .split('\n')
    .filter(Boolean)
    .sort();
}

test('centos driver: dnf --installroot bootstraps from a signed fixture mirror (BaseOS + AppStream), checked with its key; a second build unpacks the cache', {
  skip,
  timeout: 10 * 60_000,
}, async () => {
  const f = fixture();
  try {
    const env = { DIB_DISTRIBUTION_MIRROR: f.mirror, DIB_DNF_GPG_KEYS: f.key.publicKey };
    const first = await bootstrap(f, env, 'tree');
    assert.match(first.log, new RegExp(`centos 9-stream ${RPM_ARCH} with dnf --installroot \\(2 packages\\)`));
    const pkgs = installed(first.target);
    // the key dnf imported to check the packages is in the tree's database too
    assert.deepEqual(
      pkgs.filter((p) => p !== 'gpg-pubkey'),
      ['filesystem', 'fixture-provider', 'fixture-sh', 'fixture-tool', 'setup'],
    );
    assert.ok(pkgs.includes('gpg-pubkey'), pkgs.join(' '));
    const t = first.target;
    assert.equal(readFileSync(join(t, 'usr/share/fixture-tool/README'), 'utf8'), 'from AppStream\n');
    assert.equal(readFileSync(join(t, 'etc/fixture-provider.conf'), 'utf8'), 'provided=1\n');
    assert.ok(!existsSync(join(t, 'etc/fixture-weak')));
    // %post ran inside the tree (with its /bin/sh), as its first install
    assert.equal(readFileSync(join(t, 'var/lib/setup-post'), 'utf8'), 'setup %post ran with 1\n');
    // the tree's own copy of the mirror's repositories, checked with the key copied into the tree
    const repo = readFileSync(join(t, 'etc/yum.repos.d/dib-mirror-centos.repo'), 'utf8');
    assert.match(repo, new RegExp(`^baseurl=${f.mirror}/9-stream/BaseOS/${RPM_ARCH}/os$`, 'm'));
    assert.match(repo, new RegExp(`^baseurl=${f.mirror}/9-stream/AppStream/${RPM_ARCH}/os$`, 'm'));
    assert.match(repo, /^gpgkey=file:\/\/\/etc\/pki\/rpm-gpg\/dib-mirror-centos-1\.key$/m);
    assert.equal(readFileSync(join(t, 'etc/pki/rpm-gpg/dib-mirror-centos-1.key'), 'utf8'), readFileSync(f.key.publicKey, 'utf8'));
    // dnf's download cache stayed outside the tree, and its work directory is gone
    assert.ok(!existsSync(join(f.work, 'tmp-tree/bootstrap-dnf')));

    const second = await bootstrap(f, env, 'tree2');
    assert.match(second.log, new RegExp(`centos 9-stream ${RPM_ARCH} from the cache`));
    assert.deepEqual(installed(second.target), pkgs);
    assert.equal(readFileSync(join(second.target, 'var/lib/setup-post'), 'utf8'), 'setup %post ran with 1\n');
  } finally {
    rmSync(f.work, { recursive: true, force: true });
  }
});

test('centos driver with a shared cache (KILN_CACHE_URL): a bootstrap made with one local cache is pulled into another, with no dnf run', {
  skip,
  timeout: 10 * 60_000,
}, async () => {
  const f = fixture();
  const registry = await startRegistry();
  try {
    const env = { DIB_DISTRIBUTION_MIRROR: f.mirror, DIB_DNF_GPG_KEYS: f.key.publicKey, KILN_CACHE_URL: `oci://${registry.host}/kiln/cache` };
    const first = await bootstrap(f, env, 'tree', join(f.work, 'cache-a'));
    assert.match(first.log, /with dnf --installroot/);
    assert.match(first.log, /pushed centos 9-stream .* to the shared cache/);
    // the mirror is gone: only the shared cache can give the second bootstrap its tree
    rmSync(f.mirror.replace('file://', ''), { recursive: true });
    const second = await bootstrap(f, env, 'tree2', join(f.work, 'cache-b'));
    assert.match(second.log, /pulled centos 9-stream .* from the shared cache/);
    assert.doesNotMatch(second.log, /with dnf --installroot/);
    assert.deepEqual(installed(second.target), installed(first.target));
  } finally {
    await registry.stop();
    rmSync(f.work, { recursive: true, force: true });
  }
});

test('centos driver: packages signed by another key are refused; DIB_DNF_NO_GPGCHECK=1 installs them unchecked', { skip, timeout: 10 * 60_000 }, async () => {
  const f = fixture();
  try {
    const other = makeSigningKey(join(f.work, 'other'), 'Someone else <other@kiln.invalid>');
    await assert.rejects(bootstrap(f, { DIB_DISTRIBUTION_MIRROR: f.mirror, DIB_DNF_GPG_KEYS: other.publicKey }, 'wrong'), (e: unknown) => {
      assert.ok(e instanceof KilnError && !(e instanceof CommandError), String(e));
      assert.match(e.message, /^dnf: the centos 9-stream \S+ packages failed their signature check:\n[\s\S]*GPG check FAILED/);
      assert.equal(e.where, 'DIB_DNF_GPG_KEYS');
      assert.match(e.hint ?? '', /DIB_DNF_NO_GPGCHECK=1/);
      return true;
    });
    const unchecked = await bootstrap(f, { DIB_DISTRIBUTION_MIRROR: f.mirror, DIB_DNF_NO_GPGCHECK: '1' }, 'unchecked');
    assert.ok(!installed(unchecked.target).includes('gpg-pubkey'));
    assert.match(readFileSync(join(unchecked.target, 'etc/yum.repos.d/dib-mirror-centos.repo'), 'utf8'), /^gpgcheck=0$/m);
  } finally {
    rmSync(f.work, { recursive: true, force: true });
  }
});

test("centos driver: DIB_YUM_REPO_CONF alone: the user's .repo files (with their own gpgkey) are the repositories", {
  skip,
  timeout: 10 * 60_000,
}, async () => {
  const f = fixture();
  try {
    const path = f.mirror.slice('file://'.length);
    const conf = join(f.work, 'fixture.repo');
    writeFileSync(
      conf,
      [
        '[fixture-base]',
        'name=fixture base',
        `baseurl=file://${path}/9-stream/BaseOS/${RPM_ARCH}/os`,
        'gpgcheck=1',
        `gpgkey=file://${f.key.publicKey}`,
        '[fixture-app]',
        'name=fixture app',
        `baseurl=file://${path}/9-stream/AppStream/${RPM_ARCH}/os`,
        'gpgcheck=1',
        `gpgkey=file://${f.key.publicKey}`,
        '',
      ].join('\n'),
    );
    const r = await bootstrap(f, { DIB_YUM_REPO_CONF: conf }, 'tree');
    assert.ok(installed(r.target).includes('fixture-tool'));
    // no mirror: no dib-mirror repository in the tree
    assert.ok(!existsSync(join(r.target, 'etc/yum.repos.d/dib-mirror-centos.repo')));
  } finally {
    rmSync(f.work, { recursive: true, force: true });
  }
});

test('centos driver: a package no repository has, and a mirror without the layout, are KilnErrors that say where to look', {
  skip,
  timeout: 10 * 60_000,
}, async () => {
  const f = fixture();
  try {
    const env = { DIB_DISTRIBUTION_MIRROR: f.mirror, DIB_DNF_GPG_KEYS: f.key.publicKey };
    await assert.rejects(bootstrap(f, { ...env, DIB_YUM_MINIMAL_BOOTSTRAP_PACKAGES: 'no-such-package' }, 'missing'), (e: unknown) => {
      assert.ok(e instanceof KilnError && !(e instanceof CommandError), String(e));
      assert.match(e.message, /^dnf cannot install the centos 9-stream \S+ package set from file:\/\/[\s\S]*no-such-package/);
      assert.match(e.hint ?? '', /DIB_YUM_MINIMAL_BOOTSTRAP_PACKAGES/);
      return true;
    });
    // the mirror's root one level too deep: no 9-stream/BaseOS/... under it
    await assert.rejects(bootstrap(f, { ...env, DIB_DISTRIBUTION_MIRROR: `${f.mirror}/9-stream` }, 'layout'), (e: unknown) => {
      assert.ok(e instanceof KilnError && !(e instanceof CommandError), String(e));
      assert.match(e.message, /^dnf could not read a repository of centos 9-stream/);
      assert.equal(e.where, 'DIB_DISTRIBUTION_MIRROR');
      assert.match(e.hint ?? '', /docs\/distros\/redhat\.md/);
      return true;
    });
  } finally {
    rmSync(f.work, { recursive: true, force: true });
  }
});
