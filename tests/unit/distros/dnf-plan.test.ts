import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cacheKey } from '../../../src/cache/key.js';
import { NO_FLAGS, readSettings } from '../../../src/config/read-settings.js';
import { DISTROS_DIR } from '../../../src/distros/debian-data.js';
import { dnfCacheInputs, planPack } from '../../../src/distros/dnf.js';
import {
  dnfConf,
  explainDnfFailure,
  mirrorRepoName,
  planDnf,
  planDnfBootstrap,
  renderMirrorRepo,
  rpmMacros,
  treeKeyPath,
} from '../../../src/distros/dnf-plan.js';
import { distroDriver, distroDriverNames } from '../../../src/distros/index.js';
import { loadRpmData, parseRpmData } from '../../../src/distros/rpm-data.js';
import { KilnError } from '../../../src/errors.js';
import { CommandError, Runner } from '../../../src/exec/runner.js';
import { silentLogger } from '../../../src/log.js';
import { currentIdentity } from '../../../src/sandbox/identity.js';

const work = mkdtempSync(join(tmpdir(), 'kiln-dnf-plan-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));
const KEY = join(work, 'RPM-GPG-KEY-test');
writeFileSync(KEY, '-----BEGIN PGP PUBLIC KEY BLOCK-----\n');
const MIRROR = 'http://mirror.invalid/centos-stream';

const data = (name: string) => loadRpmData(join(DISTROS_DIR, `${name}.yaml`));
const plan = (name: string, env: Record<string, string>, arch = 'x86_64') => planDnfBootstrap(data(name), arch, readSettings(env, NO_FLAGS, 'bootstrap'));
const withMirror = { DIB_DISTRIBUTION_MIRROR: MIRROR, DIB_DNF_GPG_KEYS: KEY };

function kilnError(fn: () => unknown, where: string, message: RegExp, hint?: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof KilnError, String(e));
    assert.equal(e.where, where);
    assert.match(e.message, message);
    if (hint) assert.match(e.hint ?? '', hint);
    return true;
  });
}

test('centos plan: 9-stream by default, releasever 9, BaseOS and AppStream under the mirror, the yum-minimal package set', () => {
  const p = plan('centos', withMirror, 'amd64');
  assert.equal(p.release, '9-stream');
  assert.equal(p.releasever, '9');
  assert.equal(p.arch, 'x86_64', 'amd64 is x86_64');
  assert.equal(p.dbpath, '/var/lib/rpm');
  assert.deepEqual(p.repos, [
    { id: 'dib-mirror-baseos', name: 'CentOS Stream 9-stream - BaseOS (DIB_DISTRIBUTION_MIRROR)', baseurl: `${MIRROR}/9-stream/BaseOS/x86_64/os` },
    { id: 'dib-mirror-appstream', name: 'CentOS Stream 9-stream - AppStream (DIB_DISTRIBUTION_MIRROR)', baseurl: `${MIRROR}/9-stream/AppStream/x86_64/os` },
  ]);
  for (const pkg of ['kernel', 'dracut', 'dnf', 'systemd', 'centos-stream-release', 'glibc-langpack-en', 'NetworkManager', 'initscripts', 'which']) {
    assert.ok(p.packages.includes(pkg), pkg);
  }
  assert.deepEqual(p.packages, [...new Set(p.packages)].sort(), 'sorted and unique (stable cache keys)');
  assert.equal(p.gpgcheck, true);
  assert.deepEqual(p.gpgKeys, [KEY]);
  // a trailing slash of the mirror is not doubled
  assert.equal(plan('centos', { ...withMirror, DIB_DISTRIBUTION_MIRROR: `${MIRROR}/` }).repos[0]!.baseurl, `${MIRROR}/9-stream/BaseOS/x86_64/os`);
});

test('centos 10-stream: rpm database in /usr/lib/sysimage/rpm, its own lsb_release mapping; aarch64', () => {
  const p = plan('centos', { ...withMirror, DIB_RELEASE: '10-stream' }, 'arm64');
  assert.equal(p.releasever, '10');
  assert.equal(p.dbpath, '/usr/lib/sysimage/rpm');
  assert.equal(rpmMacros(p), '%_dbpath /usr/lib/sysimage/rpm\n');
  assert.ok(p.packages.includes('python3-distro'));
  assert.ok(!p.packages.includes('initscripts'));
  assert.equal(p.repos[0]!.baseurl, `${MIRROR}/10-stream/BaseOS/aarch64/os`);
});

test('planDnf: the argv (golden)', () => {
  const p = plan('centos', { ...withMirror, KILN_DISTRO_DATA_DIR: '' });
  const argv = planDnf({ plan: p, target: '/w/tree', config: '/w/dnf.conf', reposdir: '/w/repos.d', cachedir: '/w/cache' });
  assert.deepEqual(argv.slice(0, argv.indexOf('install') + 1), [
    'dnf',
    '-y',
    '--installroot=/w/tree',
    '--releasever=9',
    '--forcearch=x86_64',
    '--config=/w/dnf.conf',
    '--setopt=reposdir=/w/repos.d',
    '--setopt=cachedir=/w/cache',
    '--setopt=install_weak_deps=False',
    '--setopt=keepcache=False',
    '--disableexcludes=all',
    'install',
  ]);
  assert.deepEqual(argv.slice(argv.indexOf('install') + 1), p.packages);
  assert.ok(!argv.includes('--nogpgcheck'));
  const unchecked = plan('centos', { DIB_DISTRIBUTION_MIRROR: MIRROR, DIB_DNF_NO_GPGCHECK: '1' });
  assert.ok(planDnf({ plan: unchecked, target: '/t', config: '/c', reposdir: '/r', cachedir: '/k' }).includes('--nogpgcheck'));
});

test('the generated .repo file and dnf.conf (golden): gpgcheck with the given keys; unchecked only when asked', () => {
  const p = plan('centos', withMirror);
  assert.equal(mirrorRepoName(p), 'dib-mirror-centos.repo');
  assert.equal(
    renderMirrorRepo(p, [`file://${KEY}`]),
    `[dib-mirror-baseos]
name=CentOS Stream 9-stream - BaseOS (DIB_DISTRIBUTION_MIRROR)
baseurl=${MIRROR}/9-stream/BaseOS/x86_64/os
enabled=1
gpgcheck=1
gpgkey=file://${KEY}
skip_if_unavailable=False

[dib-mirror-appstream]
name=CentOS Stream 9-stream - AppStream (DIB_DISTRIBUTION_MIRROR)
baseurl=${MIRROR}/9-stream/AppStream/x86_64/os
enabled=1
gpgcheck=1
gpgkey=file://${KEY}
skip_if_unavailable=False
`,
  );
  assert.equal(treeKeyPath(p, 0), '/etc/pki/rpm-gpg/dib-mirror-centos-1.key');
  assert.equal(
    dnfConf(p),
    '[main]\ngpgcheck=1\ninstallonly_limit=3\nclean_requirements_on_remove=True\nbest=True\nskip_if_unavailable=False\ninstall_weak_deps=False\n',
  );
  const unchecked = plan('centos', { DIB_DISTRIBUTION_MIRROR: MIRROR, DIB_DNF_NO_GPGCHECK: '1' });
  assert.doesNotMatch(renderMirrorRepo(unchecked, []), /gpgkey=/);
  assert.match(renderMirrorRepo(unchecked, []), /^gpgcheck=0$/m);
  assert.match(dnfConf(unchecked), /^gpgcheck=0$/m);
});

test('fedora, rocky, almalinux: their mirror layouts and release packages', () => {
  const f = plan('fedora', { ...withMirror, DIB_RELEASE: '43' });
  assert.deepEqual(
    f.repos.map((r) => r.baseurl),
    [`${MIRROR}/releases/43/Everything/x86_64/os`, `${MIRROR}/updates/43/Everything/x86_64`],
  );
  assert.ok(f.packages.includes('fedora-release-common'));
  assert.equal(f.dbpath, '/usr/lib/sysimage/rpm');
  const r = plan('rocky', withMirror, 'aarch64');
  assert.deepEqual(
    r.repos.map((x) => x.baseurl),
    [`${MIRROR}/9/BaseOS/aarch64/os`, `${MIRROR}/9/AppStream/aarch64/os`],
  );
  assert.ok(r.packages.includes('rocky-release'));
  const a = plan('almalinux', { ...withMirror, DIB_RELEASE: '8' });
  assert.ok(a.packages.includes('almalinux-release') && a.packages.includes('redhat-lsb-core'));
  assert.ok(!a.packages.some((x) => x.startsWith('rocky')));
});

test('every Red Hat family data file: EFI vendor directory, grub2 paths, dracut, x86_64 and aarch64', () => {
  for (const [name, efi] of [
    ['centos', 'EFI/centos'],
    ['fedora', 'EFI/fedora'],
    ['rocky', 'EFI/rocky'],
    ['almalinux', 'EFI/almalinux'],
    ['rhel', 'EFI/redhat'],
  ] as const) {
    const d = data(name);
    assert.equal(d.name, name);
    assert.equal(d.grub.efiDir, efi);
    assert.equal(d.grub.cfg, '/boot/grub2/grub.cfg');
    assert.equal(d.initramfs, 'dracut');
    assert.equal(d.kernel, 'kernel');
    assert.deepEqual([...d.architectures.keys()], ['x86_64', 'aarch64']);
    assert.equal(d.architectures.get('x86_64')!.grubEfi, 'grub2-efi-x64');
    assert.ok(d.packages.includes('dnf') && d.packages.includes('dracut'), name);
    const text = readFileSync(join(DISTROS_DIR, `${name}.yaml`), 'utf8');
    assert.doesNotMatch(text, /https?:\/\//, `${name}.yaml names no mirror host`);
  }
});

test('errors: no repositories, no key, missing files, bad release and arch, rhel without repo files', () => {
  kilnError(
    () => plan('centos', {}),
    'DIB_DISTRIBUTION_MIRROR',
    /centos needs package repositories/,
    /DIB_DISTRIBUTION_MIRROR.*DIB_YUM_REPO_CONF.*names no mirror host/,
  );
  kilnError(() => plan('centos', { DIB_DISTRIBUTION_MIRROR: MIRROR }), 'DIB_DNF_GPG_KEYS', /no GPG key/, /DIB_DNF_GPG_KEYS.*DIB_DNF_NO_GPGCHECK=1/);
  kilnError(
    () => plan('centos', { DIB_DISTRIBUTION_MIRROR: MIRROR, DIB_DNF_GPG_KEYS: join(work, 'nope.key') }),
    'DIB_DNF_GPG_KEYS',
    /nope\.key does not exist/,
  );
  kilnError(() => plan('centos', { DIB_YUM_REPO_CONF: join(work, 'missing.repo') }), 'DIB_YUM_REPO_CONF', /missing\.repo is not a yum repo configuration file/);
  kilnError(() => plan('centos', { ...withMirror, DIB_RELEASE: '7' }), 'DIB_RELEASE', /unknown CentOS Stream release '7'/, /9-stream, 10-stream/);
  kilnError(() => plan('centos', withMirror, 'ppc64le'), 'ARCH', /unsupported architecture 'ppc64le' for CentOS Stream/, /x86_64, aarch64/);
  kilnError(() => plan('rhel', {}), 'DIB_YUM_REPO_CONF', /rhel needs package repositories/);
  kilnError(() => plan('rhel', withMirror), 'DIB_DISTRIBUTION_MIRROR', /RHEL has no repository layout/, /DIB_YUM_REPO_CONF/);
  const repos = join(work, 'dir-a');
  mkdirSync(repos, { recursive: true });
  writeFileSync(join(repos, 'same.repo'), '[a]\n');
  writeFileSync(join(work, 'same.repo'), '[b]\n');
  kilnError(
    () => plan('centos', { DIB_YUM_REPO_CONF: join(work, 'same.repo'), DIB_YUM_MINIMAL_BOOTSTRAP_REPOS: repos }),
    'DIB_YUM_REPO_CONF',
    /two repo files are named same\.repo/,
  );
  assert.throws(() => parseRpmData('name: x\n', 'x.yaml'), /not a Red Hat family distro data file/);
});

test('repo files alone (DIB_YUM_REPO_CONF, DIB_YUM_MINIMAL_BOOTSTRAP_REPOS): no generated repositories; extra bootstrap packages', () => {
  const dir = join(work, 'bootstrap-repos');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'b.repo'), '[b]\n');
  writeFileSync(join(dir, 'a.repo'), '[a]\n');
  writeFileSync(join(dir, 'notes.txt'), 'not a repo\n');
  writeFileSync(join(work, 'user.repo'), '[u]\n');
  const p = plan('rhel', {
    DIB_YUM_REPO_CONF: join(work, 'user.repo'),
    DIB_YUM_MINIMAL_BOOTSTRAP_REPOS: dir,
    DIB_YUM_MINIMAL_BOOTSTRAP_PACKAGES: 'vim-minimal  tmux',
  });
  assert.deepEqual(p.repos, []);
  assert.equal(p.mirror, null);
  assert.deepEqual(p.repoFiles, [join(work, 'user.repo'), join(dir, 'a.repo'), join(dir, 'b.repo')]);
  assert.ok(p.packages.includes('vim-minimal') && p.packages.includes('tmux') && p.packages.includes('redhat-release'));
});

test("cache key: changes with the packages, the mirror, a repo file's content, the keys and gpgcheck", () => {
  const base = plan('centos', withMirror);
  const k = cacheKey(dnfCacheInputs(base));
  assert.equal(cacheKey(dnfCacheInputs(plan('centos', withMirror))), k);
  assert.notEqual(cacheKey(dnfCacheInputs(plan('centos', { ...withMirror, DIB_YUM_MINIMAL_BOOTSTRAP_PACKAGES: 'tmux' }))), k);
  assert.notEqual(cacheKey(dnfCacheInputs(plan('centos', { ...withMirror, DIB_DISTRIBUTION_MIRROR: 'file:///other' }))), k);
  assert.notEqual(cacheKey(dnfCacheInputs(plan('centos', { DIB_DISTRIBUTION_MIRROR: MIRROR, DIB_DNF_NO_GPGCHECK: '1' }))), k);
  const conf = join(work, 'key.repo');
  writeFileSync(conf, '[one]\n');
  const withConf = cacheKey(dnfCacheInputs(plan('centos', { ...withMirror, DIB_YUM_REPO_CONF: conf })));
  writeFileSync(conf, '[two]\n');
  assert.notEqual(cacheKey(dnfCacheInputs(plan('centos', { ...withMirror, DIB_YUM_REPO_CONF: conf }))), withConf);
  writeFileSync(KEY, '-----BEGIN PGP PUBLIC KEY BLOCK-----\nchanged\n');
  assert.notEqual(cacheKey(dnfCacheInputs(plan('centos', withMirror))), k);
  assert.deepEqual(planPack('/t', '/c/x.tar.zst').slice(0, 3), ['tar', '--zstd', '-C']);
});

test('the driver: describe() for kiln plan, tools, architectures, a data file from KILN_DISTRO_DATA_DIR', () => {
  const d = distroDriver('centos');
  assert.equal(d.family, 'rpm');
  const req = {
    arch: 'amd64',
    settings: readSettings(withMirror, NO_FLAGS, 'bootstrap'),
    cacheDir: work,
    useCache: true,
    offline: false,
    target: '',
    runner: new Runner(),
    log: silentLogger,
    identity: currentIdentity(),
  };
  const desc = d.describe(req);
  assert.equal(desc.driver, 'centos');
  assert.equal(desc.tool, 'dnf');
  assert.equal(desc.release, '9-stream');
  assert.equal(desc.arch, 'x86_64');
  assert.deepEqual(desc.repos, [`dib-mirror-baseos ${MIRROR}/9-stream/BaseOS/x86_64/os`, `dib-mirror-appstream ${MIRROR}/9-stream/AppStream/x86_64/os`]);
  assert.ok(desc.packages.includes('kernel'));
  assert.deepEqual(
    d.tools({ ...req, identity: { ...req.identity, privileged: true } }).map((t) => t.tool),
    ['dnf', 'rpm', 'unshare', 'tar', 'zstd'],
  );
  assert.ok(d.tools({ ...req, identity: { ...req.identity, privileged: false } }).some((t) => t.tool === 'newuidmap'));
  assert.deepEqual(d.architectures(req), ['amd64', 'arm64'], "Kiln's canonical names, as the preflight compares ARCH with them");
  for (const name of ['fedora', 'rocky', 'almalinux', 'rhel']) assert.equal(distroDriver(name).family, 'rpm');
  for (const name of ['centos', 'fedora', 'rocky', 'almalinux', 'rhel']) assert.ok(distroDriverNames().includes(name), name);
  const own = join(work, 'data');
  mkdirSync(own, { recursive: true });
  writeFileSync(
    join(own, 'centos.yaml'),
    'name: centos\nreleases: { 9-stream: { releasever: "9" } }\narch_aliases: { amd64: x86_64 }\narchitectures: { x86_64: {} }\nkernel: null\nmirror_repos: [{ id: os, path: "{release}/os" }]\npackages: [setup]\n',
  );
  const mine = d.describe({ ...req, settings: readSettings({ ...withMirror, KILN_DISTRO_DATA_DIR: own }, NO_FLAGS, 'bootstrap') });
  assert.deepEqual(mine.packages, ['setup']);
  assert.deepEqual(mine.repos, [`dib-mirror-os ${MIRROR}/9-stream/os`]);
});

test('bootstrap: offline without a cached bootstrap, or without subordinate ids (fakeroot), stops before dnf with what to do', async () => {
  const ran: string[] = [];
  const runner = new Runner();
  runner.run = async (cmd: string) => {
    ran.push(cmd);
    throw new Error('no command may run');
  };
  const req = {
    arch: 'amd64',
    settings: readSettings(withMirror, NO_FLAGS, 'bootstrap'),
    cacheDir: join(work, 'empty-cache'),
    useCache: true,
    offline: true,
    target: join(work, 'tree'),
    runner,
    log: silentLogger,
    identity: currentIdentity(),
  };
  await assert.rejects(distroDriver('centos').bootstrap(req), (e: unknown) => {
    assert.ok(e instanceof KilnError);
    assert.match(e.message, /^offline, and no cached bootstrap of centos 9-stream x86_64 \(key [0-9a-f]{12}\)$/);
    assert.match(e.hint ?? '', /build once online/);
    return true;
  });
  await assert.rejects(
    distroDriver('centos').bootstrap({ ...req, offline: false, identity: { ...req.identity, fakeroot: { db: join(work, 'db') } } }),
    /cannot run dnf without subordinate ids/,
  );
  assert.deepEqual(ran, []);
});

test("explainDnfFailure: dnf's output decides the user error; anything else stays dnf's own error", () => {
  const p = plan('centos', withMirror);
  const fail = (stderr: string) => explainDnfFailure(p, new CommandError(['dnf', 'install'], 1, stderr, 'bootstrap (dnf)'));
  assert.equal(fail('Error: GPG check FAILED').where, 'DIB_DNF_GPG_KEYS');
  const meta = fail("Errors during downloading metadata for repository 'dib-mirror-baseos':\nError: Failed to download metadata for repo 'dib-mirror-baseos'");
  assert.equal(meta.where, 'DIB_DISTRIBUTION_MIRROR');
  assert.match(meta.message, new RegExp(`could not read a repository of centos 9-stream x86_64 \\(${MIRROR}/9-stream/BaseOS/x86_64/os, `));
  const missing = fail('No match for argument: tmux\nError: Unable to find a match: tmux');
  assert.match(missing.message, /^dnf cannot install the centos 9-stream x86_64 package set from /);
  assert.match(missing.message, /\n {4}No match for argument: tmux$/m);
  const other = new CommandError(['dnf'], 1, 'Error: something else', 'bootstrap (dnf)');
  assert.equal(explainDnfFailure(p, other), other);
  writeFileSync(join(work, 'rhel.repo'), '[r]\n');
  const files = plan('rhel', { DIB_YUM_REPO_CONF: join(work, 'rhel.repo') });
  assert.equal(explainDnfFailure(files, new CommandError(['dnf'], 1, 'Error: Unable to find a match: x')).where, 'DIB_YUM_REPO_CONF');
});
