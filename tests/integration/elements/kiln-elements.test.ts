// Kiln's svc-map, dib-python, dib-run-parts, source-repositories, cache-url, element-manifest,
// journal-to-console, apt-sources, apt-conf, apt-preferences, local-config, cleanup-kernel-initrd,
// debian-systemd and debian-upstart, each in an offline busybox build to a tar (or element-info):
// what each leaves in the tree is read back from the tar with tar; git checkouts with git.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { FIXTURE_ELEMENTS, REPO, runCli } from '../../helpers/cli.js';
import { makeElementTree, removeTree } from '../../helpers/element-tree.js';
import { tarFile, tarList } from '../../helpers/tar.js';

function sh(cmd: string, cwd?: string): string {
  const r = spawnSync('bash', ['-euc', cmd], { encoding: 'utf8', cwd });
  assert.equal(r.status, 0, `${cmd}: ${r.stderr}`);
  return r.stdout.trim();
}
const SH = '#!/bin/sh\nset -eu\n';

describe('Kiln implementations of common DIB elements, in busybox builds', () => {
  const out = mkdtempSync(join(tmpdir(), 'kiln-dib-elements-'));
  chmodSync(out, 0o777);
  after(() => rmSync(out, { recursive: true, force: true }));
  const cache = join(out, 'cache');
  // sources for source-repositories: a git repository with a tag, a second one, a tarball, a file
  const src = join(out, 'src');
  mkdirSync(src);
  const git = (dir: string, cmd: string) => sh(`git -C ${dir} -c user.name=t -c user.email=t@e -c commit.gpgsign=false ${cmd}`);
  sh(`git init -q -b master ${src}/repo && echo one > ${src}/repo/version`);
  git(`${src}/repo`, 'add version');
  git(`${src}/repo`, 'commit -qm one');
  git(`${src}/repo`, 'tag v1');
  sh(`echo two > ${src}/repo/version`);
  git(`${src}/repo`, 'commit -qam two');
  const v1 = git(`${src}/repo`, 'rev-parse v1');
  const master = git(`${src}/repo`, 'rev-parse master');
  sh(`git init -q -b master ${src}/other && echo other > ${src}/other/version`);
  git(`${src}/other`, 'add version');
  git(`${src}/other`, 'commit -qm other');
  sh(`mkdir -p ${src}/t/pkg-1.0/sub && echo in-tar > ${src}/t/pkg-1.0/sub/f && tar -C ${src}/t -czf ${src}/pkg.tar.gz pkg-1.0`);
  sh(`echo single > ${src}/single.txt`);

  const elements = makeElementTree({
    'uses-svc-map': {
      deps: ['busybox-minimal', 'svc-map'],
      files: {
        'svc-map': 'svc-a:\n  default: a-default\n  busybox: a-busybox\nsvc-b:\n  default: b-default\n  debian: b-debian\nsvc-c:\n  redhat: c-redhat\n',
        'install.d/50-map': `${SH}svc-map svc-a svc-b svc-c > /svc-out\n`,
      },
    },
    'as-ubuntu': { files: { 'environment.d/99-distro': 'export DISTRO_NAME=ubuntu\n' } },
    'svc-map-dup': { deps: ['uses-svc-map'], files: { 'svc-map': 'svc-a:\n  default: again\n' } },
    'fake-python': {
      deps: ['busybox-minimal'],
      files: { 'pre-install.d/00-python3': `${SH}printf '#!/bin/sh\\n' > /usr/bin/python3; chmod 755 /usr/bin/python3\n` },
    },
    'reads-dib-python': {
      deps: ['dib-python'],
      files: { 'install.d/50-read': `${SH}{ readlink /usr/local/bin/dib-python; echo "$DIB_PYTHON $DIB_PYTHON_VERSION"; } > /dib-python-seen\n` },
    },
    'uses-run-parts': {
      deps: ['busybox-minimal', 'dib-run-parts'],
      files: {
        'install.d/50-parts': `${SH}mkdir -p /opt/p/d /opt/p/environment.d
printf '#!/bin/sh\\necho "b $X" >> /parts-out\\n' > /opt/p/d/20-b
printf '#!/bin/sh\\necho "a $X" >> /parts-out\\n' > /opt/p/d/10-a
printf '#!/bin/sh\\necho dot >> /parts-out\\n' > /opt/p/d/30-c.sh
printf '#!/bin/sh\\necho noexec >> /parts-out\\n' > /opt/p/d/40-d
chmod 755 /opt/p/d/10-a /opt/p/d/20-b /opt/p/d/30-c.sh
echo 'export X=from-env' > /opt/p/environment.d/10-x
dib-run-parts --list /opt/p/d > /parts-list
dib-run-parts /opt/p/d
`,
      },
    },
    'uses-sources': {
      deps: ['busybox-minimal', 'source-repositories'],
      files: {
        'source-repository-mine': `# a comment\n\nrepo1 git /opt/repo1 ${src}/repo v1\ntarball tar /opt/tarball file://${src}/pkg.tar.gz *\nsub-dir tar /opt/subdir file://\${KILN_TEST_SRC}/pkg.tar.gz pkg-1.0/sub\nsingle file /opt/single.txt file://${src}/single.txt\nskipped git /opt/skipped ${src}/repo\n`,
      },
    },
    'sources-clash': {
      deps: ['busybox-minimal', 'source-repositories'],
      files: { 'source-repository-clash': `x1 file /opt/x file://${src}/single.txt\nx2 file /opt/x file://${src}/single.txt\n` },
    },
    'makes-kernels': {
      deps: ['busybox-minimal', 'cleanup-kernel-initrd'],
      files: {
        'install.d/50-kernels': `${SH}mkdir -p /boot; echo 12 > /etc/debian_version
for v in 6.1.0-9-amd64 6.1.0-10-amd64; do for f in vmlinuz initrd.img config System.map; do echo $v > /boot/$f-$v; done; done
`,
      },
    },
    'uses-pip-cache': {
      deps: ['busybox-minimal', 'pip-cache'],
      files: { 'install.d/50-pip': `${SH}cat "$PIP_CACHE_DIR/seed" > /seen; echo "$PIP_DOWNLOAD_CACHE" >> /seen; echo fetched > /tmp/pip/new\n` },
    },
    'has-apt-dir': { deps: ['busybox-minimal'], files: { 'pre-install.d/01-apt': `${SH}mkdir -p /etc/apt/apt.conf.d\n` } },
  });
  after(() => removeTree(elements));
  const env = { ELEMENTS_PATH: `${elements}:${FIXTURE_ELEMENTS}`, TMP_DIR: out, DIB_IMAGE_CACHE: cache, KILN_TEST_SRC: src };
  const build = (name: string, els: string[], extraEnv: Record<string, string> = {}) => {
    const r = runCli('disk-image-create', ['-t', 'tar', '-o', join(out, name), ...els], { env: { ...env, ...extraEnv } });
    return { ...r, tar: join(out, `${name}.tar`) };
  };

  it("svc-map: every element's svc-map merged for the distro (distro, then family, then default, else the name); the command maps", () => {
    const r = build('svc-map', ['uses-svc-map']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(tarFile(r.tar, './svc-out'), 'a-busybox\nb-default\nsvc-c\n');
    assert.equal(tarFile(r.tar, './usr/share/svc-map/services'), 'svc-a: a-busybox\nsvc-b: b-default\nsvc-c: svc-c\n');
    // ubuntu is of the debian family: svc-b takes its debian name
    const deb = build('svc-map-ubuntu', ['uses-svc-map', 'as-ubuntu']);
    assert.equal(deb.status, 0, deb.stderr);
    assert.equal(tarFile(deb.tar, './svc-out'), 'a-default\nb-debian\nsvc-c\n');
    const dup = build('svc-map-dup', ['svc-map-dup']);
    assert.equal(dup.status, 1, dup.stderr);
    assert.match(dup.stderr, /svc-a already found in services list\. Check uses-svc-map for duplicate service name/);
  });

  it('dib-python: DIB_PYTHON and a dib-python link for the build, gone from the image; no python fails with the reason', () => {
    const r = build('dib-python', ['fake-python', 'reads-dib-python']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(tarFile(r.tar, './dib-python-seen'), '/usr/bin/python3\npython3 3\n');
    assert.ok(!tarList(r.tar).includes('./usr/local/bin/dib-python'), 'removed in cleanup.d');
    const none = build('dib-python-none', ['busybox-minimal', 'dib-python']);
    assert.equal(none.status, 1, none.stderr);
    assert.match(none.stderr, /Could not find python3 executable\./);
  });

  it('dib-run-parts: environment.d sourced, executable scripts with plain names run in sort -n order', () => {
    const r = build('run-parts', ['uses-run-parts']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(tarFile(r.tar, './parts-list'), '10-a\n20-b\n');
    assert.equal(tarFile(r.tar, './parts-out'), 'a from-env\nb from-env\n');
  });

  it('source-repositories: git at a tag, tar (top directories or one subdirectory), file; manifest, list, cache', () => {
    const r = build('sources', ['uses-sources'], { DIB_INSTALLTYPE_skipped: 'package' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(tarFile(r.tar, './opt/repo1/version'), 'one\n');
    assert.equal(tarFile(r.tar, './opt/tarball/sub/f'), 'in-tar\n', "'*': the contents of the top directory");
    assert.equal(tarFile(r.tar, './opt/subdir/f'), 'in-tar\n');
    assert.equal(tarFile(r.tar, './opt/single.txt'), 'single\n');
    assert.ok(!tarList(r.tar).some((p) => p.startsWith('./opt/skipped')), 'a package install type is not fetched');
    assert.equal(tarFile(r.tar, './etc/dib-source-repositories'), '/opt/repo1\n/opt/tarball\n/opt/subdir\n/opt/single.txt\n');
    assert.equal(tarFile(r.tar, './etc/dib-manifests/dib-manifest-git-sources'), `repo1 git /opt/repo1 ${src}/repo ${v1}\n`);
    // the checkout is a real git repository at v1, whose origin is the location
    const x = join(out, 'sources-x');
    mkdirSync(x);
    sh(`tar -C ${x} -xf ${r.tar} ./opt/repo1`);
    assert.equal(sh(`git -C ${x}/opt/repo1 rev-parse HEAD`), v1);
    assert.equal(sh(`git -C ${x}/opt/repo1 config remote.origin.url`), `${src}/repo`);
    assert.equal(sh(`git -C ${x}/opt/repo1 status --porcelain`), '');
    const cached = readdirSync(join(cache, 'source-repositories'));
    assert.ok(
      cached.some((n) => /^repo1_[0-9a-f]{40}$/.test(n)),
      cached.join(' '),
    );
    assert.ok(
      cached.some((n) => /^single_[0-9a-f]{40}$/.test(n)),
      cached.join(' '),
    );
  });

  it('source-repositories: DIB_REPOREF_<name> and DIB_REPOLOCATION_<name> override the element; offline uses the cache', () => {
    const ref = build('sources-ref', ['uses-sources'], { DIB_REPOREF_repo1: 'master', DIB_REPOLOCATION_sub_dir: `file://${src}/pkg.tar.gz` });
    assert.equal(ref.status, 0, ref.stderr);
    assert.equal(tarFile(ref.tar, './opt/repo1/version'), 'two\n');
    assert.match(tarFile(ref.tar, './etc/dib-manifests/dib-manifest-git-sources-ref') ?? '', new RegExp(` ${master}\\n$`));
    const loc = build('sources-loc', ['uses-sources'], { DIB_REPOLOCATION_repo1: `${src}/other`, DIB_REPOREF_repo1: 'master' });
    assert.equal(loc.status, 0, loc.stderr);
    assert.equal(tarFile(loc.tar, './opt/repo1/version'), 'other\n');
    // offline, from the cache only: the sources are moved away
    sh(`mv ${src} ${src}.away`);
    try {
      const off = runCli('disk-image-create', ['--offline', '-t', 'tar', '-o', join(out, 'sources-off'), 'uses-sources'], { env });
      assert.equal(off.status, 0, off.stderr);
      assert.equal(tarFile(join(out, 'sources-off.tar'), './opt/repo1/version'), 'one\n');
    } finally {
      sh(`mv ${src}.away ${src}`);
    }
  });

  it('source-repositories: two repositories with one destination fail the build, naming both', () => {
    const r = build('sources-clash', ['sources-clash']);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /x2 and x1 both have the destination \/opt\/x/);
  });

  it('cache-url: downloads, keeps the cached copy when the server has no newer one, 404 exits 44', async () => {
    const bin = join(REPO, 'elements/cache-url/bin/cache-url');
    const www = join(out, 'www');
    mkdirSync(www);
    writeFileSync(join(www, 'a.txt'), 'served\n');
    const server = spawn('python3', ['-m', 'http.server', '--bind', '127.0.0.1', '0'], { cwd: www, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const port = await new Promise<string>((resolve, reject) => {
        server.stdout.on('data', (d: Buffer) => {
          const m = /port (\d+)/.exec(d.toString());
          if (m?.[1]) resolve(m[1]);
        });
        server.on('exit', () => reject(new Error('http.server exited')));
      });
      const dest = join(out, 'cu', 'a.txt');
      const run = (url: string) => spawnSync(bin, [url, dest], { encoding: 'utf8' });
      const first = run(`http://127.0.0.1:${port}/a.txt`);
      assert.equal(first.status, 0, first.stderr);
      assert.match(first.stdout, /for the first time/);
      assert.equal(sh(`cat ${dest}`), 'served');
      sh(`touch -d '2001-01-01' ${join(www, 'a.txt')} && echo kept > ${dest}`);
      const again = run(`http://127.0.0.1:${port}/a.txt`);
      assert.equal(again.status, 0, again.stderr);
      assert.match(again.stdout, /has not changed/);
      assert.equal(sh(`cat ${dest}`), 'kept');
      const missing = spawnSync(bin, [`http://127.0.0.1:${port}/nope`, join(out, 'cu', 'nope')], { encoding: 'utf8' });
      assert.equal(missing.status, 44, missing.stdout);
      assert.ok(!existsSync(join(out, 'cu', 'nope')));
      const file = spawnSync(bin, [`file://${www}/a.txt`, join(out, 'cu', 'f')], { encoding: 'utf8' });
      assert.equal(file.status, 0, file.stderr);
      assert.equal(sh(`cat ${join(out, 'cu', 'f')}`), 'served');
      assert.equal(spawnSync(bin, [`file://${www}/none`, join(out, 'cu', 'g')], { encoding: 'utf8' }).status, 1);
    } finally {
      server.kill();
    }
  });

  it('element-manifest and journal-to-console', () => {
    const r = build('manifest', ['busybox-minimal', 'element-manifest', 'journal-to-console']);
    assert.equal(r.status, 0, r.stderr);
    const listed = tarFile(r.tar, './etc/dib-manifests/dib-element-manifest')?.split('\n').filter(Boolean) ?? [];
    assert.ok(listed.includes('element-manifest') && listed.includes('manifests') && listed.includes('busybox-minimal'), listed.join(' '));
    assert.equal(tarFile(r.tar, './etc/systemd/journald.conf.d/log-to-console.conf'), '[Journal]\nForwardToConsole=true\n');
  });

  it('apt-sources, apt-conf, apt-preferences: the files named by their variables; a bad one fails the build', () => {
    writeFileSync(join(out, 'sources.list'), 'deb http://mirror.invalid/debian bookworm main\n');
    writeFileSync(join(out, 'apt.conf'), 'Acquire::Retries "3";\n');
    writeFileSync(
      join(out, 'dpkg.json'),
      JSON.stringify({
        packages: [
          { package: 'bash', arch: 'amd64', version: '5.2-1' },
          { package: 'zlib1g', version: '1:1.2' },
        ],
      }),
    );
    const els = ['busybox-minimal', 'apt-sources', 'apt-conf', 'apt-preferences'];
    const r = build('apt', els, { DIB_APT_SOURCES: join(out, 'sources.list'), DIB_APT_CONF: join(out, 'apt.conf'), DIB_DPKG_MANIFEST: join(out, 'dpkg.json') });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(tarFile(r.tar, './etc/apt/sources.list'), 'deb http://mirror.invalid/debian bookworm main\n');
    assert.equal(tarFile(r.tar, './etc/apt/apt.conf'), 'Acquire::Retries "3";\n');
    assert.equal(
      tarFile(r.tar, './etc/apt/preferences'),
      'Package: bash\nPin: version 5.2-1\nPin-Priority: 1001\n\nPackage: zlib1g\nPin: version 1:1.2\nPin-Priority: 1001\n\n',
    );
    const none = build('apt-none', els);
    assert.equal(none.status, 0, none.stderr);
    assert.equal(tarFile(none.tar, './etc/apt/sources.list'), undefined);
    writeFileSync(join(out, 'empty.list'), '');
    const bad = build('apt-bad', els, { DIB_APT_SOURCES: join(out, 'empty.list') });
    assert.equal(bad.status, 1, bad.stderr);
    assert.match(bad.stderr, /DIB_APT_SOURCES=.*empty\.list is not a sources\.list file/);
  });

  it("local-config: the build user's authorized_keys and proxies in the image", () => {
    const home = join(out, 'home');
    mkdirSync(join(home, '.ssh'), { recursive: true });
    writeFileSync(join(home, '.ssh', 'authorized_keys'), 'ssh-ed25519 AAAA test@host\n');
    const r = build('local-config', ['has-apt-dir', 'local-config'], { HOME: home, http_proxy: 'http://proxy.invalid:3128', no_proxy: 'localhost' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(tarFile(r.tar, './root/.ssh/authorized_keys'), 'ssh-ed25519 AAAA test@host\n');
    assert.equal(tarFile(r.tar, './etc/apt/apt.conf.d/02-use-http-proxy'), 'Acquire::http::Proxy "http://proxy.invalid:3128";\n');
    assert.equal(tarFile(r.tar, './etc/apt/apt.conf.d/02-no-proxy'), 'Acquire::http::Proxy::localhost "DIRECT";\nAcquire::http::Proxy::192.0.2.1 "DIRECT";\n');
    const mode = spawnSync('tar', ['-tvf', r.tar, './root/.ssh/authorized_keys'], { encoding: 'utf8' }).stdout;
    assert.match(mode, /^-rw------- /);
  });

  it('pip-cache: the cache is in the tree at /tmp/pip during the build, what was added goes back, none of it in the image', () => {
    mkdirSync(join(cache, 'pip'), { recursive: true });
    writeFileSync(join(cache, 'pip', 'seed'), 'from an earlier build\n');
    const r = build('pip-cache', ['uses-pip-cache']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(tarFile(r.tar, './seen'), 'from an earlier build\n/tmp/pip\n');
    assert.equal(sh(`cat ${join(cache, 'pip', 'new')}`), 'fetched');
    assert.ok(
      !tarList(r.tar).some((p) => p.startsWith('./tmp/pip')),
      tarList(r.tar)
        .filter((p) => p.startsWith('./tmp'))
        .join(' '),
    );
  });

  it('cleanup-kernel-initrd: only the newest kernel and its files stay in /boot', () => {
    const r = build('kernels', ['makes-kernels']);
    assert.equal(r.status, 0, r.stderr);
    const boot = tarList(r.tar)
      .filter((p) => p.startsWith('./boot/') && p !== './boot/')
      .sort();
    assert.deepEqual(boot, [
      './boot/System.map-6.1.0-10-amd64',
      './boot/config-6.1.0-10-amd64',
      './boot/initrd.img-6.1.0-10-amd64',
      './boot/vmlinuz-6.1.0-10-amd64',
    ]);
  });

  it('debian-systemd is an alias of debian-minimal; debian-upstart is refused with the reason', () => {
    const r = runCli('element-info', ['debian-systemd']);
    assert.equal(r.status, 0, r.stderr);
    assert.ok(
      r.stdout
        .split(' ')
        .map((s) => s.trim())
        .includes('debian-minimal'),
      r.stdout,
    );
    const u = runCli('element-info', ['debian-upstart']);
    assert.equal(u.status, 1, u.stderr);
    assert.match(u.stderr, /debian-upstart: DIB's distro element is not supported by Kiln \(upstart/);
  });

  it('every one of these elements has a README.rst titled with its name', () => {
    for (const e of [
      'svc-map',
      'dib-python',
      'dib-run-parts',
      'source-repositories',
      'cache-url',
      'element-manifest',
      'journal-to-console',
      'apt-sources',
      'apt-conf',
      'apt-preferences',
      'local-config',
      'cleanup-kernel-initrd',
      'debian-systemd',
    ]) {
      const r = spawnSync('head', ['-3', join(REPO, 'elements', e, 'README.rst')], { encoding: 'utf8' });
      assert.equal(r.stdout.split('\n')[1], e, `${e}/README.rst is titled with its name`);
    }
  });
});
