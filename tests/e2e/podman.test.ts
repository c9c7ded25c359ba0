/**
 * End to end: the Kiln container image in rootless podman. scripts/build-kiln-image builds the image
 * (the kiln-builder element, Kiln's docker output); the unprivileged host user kiln-test (subordinate
 * ids, scripts/setup-test-user) loads the archive with Debian's podman and runs
 * `disk-image-create debian-minimal vm` in it, without --privileged, without devices, as the image's
 * user `kiln` (uid 1000: no subordinate ids there, so Kiln's fakeroot mode: mmdebstrap
 * --mode=fakechroot) with a new Debian user's login PATH. On the host: qemu-img check, the partition
 * table (sfdisk), the owners, modes and setuid bits read back with debugfs, and a boot (kiln boot-test).
 * The bootstrap goes to a shared cache (a local registry, KILN_CACHE_URL, reached from the container
 * through slirp4netns), and a second container, whose cache is empty, pulls it instead of running
 * mmdebstrap. A third container runs Kiln as its root (no --user, with the CAP_SYS_ADMIN of the
 * container's user namespace): root of a user namespace with a full range, so mmdebstrap runs in
 * unshare mode and no device node is made. (This test took over tests/e2e/fakeroot-debian.test.ts, which made the same checks for
 * a plain host user without subordinate ids: here that user is the container's `kiln`.)
 * Run it under `flock /work/debian.lock` on a shared machine: it runs mmdebstrap and QEMU.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { REPO } from '../helpers/cli.js';
import { cat, idOf, rootFs, stat, TEST_USER, testUserIds } from '../helpers/image-fs.js';
import { listCache } from '../../src/cache/index.js';
import { startRegistry } from '../helpers/registry.js';

const USER = TEST_USER;
const LOGIN_PATH = '/usr/local/bin:/usr/bin:/bin:/usr/games';
const isRoot = process.getuid?.() === 0;
const skip = !isRoot && process.env.CI !== 'true' ? 'needs root (to build the image and run podman as kiln-test with runuser)' : false;

/** The host's Debian mirror and security mirror, from its apt sources (one-line and deb822 forms). */
function hostMirrors(): { mirror?: string; security?: string } {
  const files = ['/etc/apt/sources.list'];
  const dir = '/etc/apt/sources.list.d';
  if (existsSync(dir)) for (const f of readdirSync(dir)) if (/\.(list|sources)$/.test(f)) files.push(join(dir, f));
  const found: { mirror?: string; security?: string } = {};
  const note = (uri: string, suites: string[]) => {
    const u = uri.replace(/\/+$/, '');
    if (suites.some((s) => s.endsWith('-security'))) found.security ??= u;
    else if (suites.length > 0) found.mirror ??= u;
  };
  for (const f of files) {
    if (!existsSync(f)) continue;
    const text = readFileSync(f, 'utf8');
    if (f.endsWith('.sources')) {
      for (const stanza of text.split(/\n\s*\n/)) {
        const field = (k: string) => new RegExp(`^${k}:\\s*(.+)$`, 'mi').exec(stanza)?.[1]?.trim().split(/\s+/) ?? [];
        if (!field('Types').includes('deb') || /^Enabled:\s*no/im.test(stanza)) continue;
        for (const uri of field('URIs')) note(uri, field('Suites'));
      }
    } else {
      for (const line of text.split('\n')) {
        const m = /^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+(\S+)/.exec(line.trim());
        if (m) note(m[1]!, [m[2]!]);
      }
    }
  }
  return found;
}

interface Podman {
  /** podman as kiln-test, with its storage and runtime directories under the test's workspace */
  run(args: string[], timeoutMs?: number): { status: number | null; out: string };
}

function podmanAs(work: string): Podman {
  const home = join(work, 'home');
  const env = [`HOME=${home}`, `XDG_RUNTIME_DIR=${join(work, 'xdg')}`, `PATH=${LOGIN_PATH}`];
  // What rootless podman needs on a host without a systemd login session (docs/rootless.md): the
  // cgroupfs manager, file events, vfs storage; runc because crun refuses hosts with cgroup v1 controllers
  const global = [
    '--root',
    join(work, 'storage'),
    '--runroot',
    join(work, 'xdg', 'containers'),
    '--storage-driver',
    'vfs',
    '--cgroup-manager',
    'cgroupfs',
    '--events-backend',
    'file',
    '--runtime',
    'runc',
  ];
  return {
    run(args, timeoutMs = 60 * 60_000) {
      const r = spawnSync('runuser', ['-u', USER, '--', 'env', ...env, 'podman', ...global, ...args], {
        encoding: 'utf8',
        cwd: work,
        maxBuffer: 256 * 1024 * 1024,
        timeout: timeoutMs,
        killSignal: 'SIGKILL',
      });
      return { status: r.status, out: `${r.stdout}\n${r.stderr}` };
    },
  };
}

test('the Kiln image builds debian-minimal vm in rootless podman, unprivileged; the image boots; a second container gets the bootstrap from the shared cache', {
  skip,
  timeout: 90 * 60_000,
}, async (t) => {
  const { uid, gid } = testUserIds();
  // slirp4netns (the container's network) opens /dev/net/tun as the user: Debian's udev makes it
  // 0666; a machine without udev may have left it 0600
  if ((statSync('/dev/net/tun').mode & 0o666) !== 0o666) chmodSync('/dev/net/tun', 0o666);
  const work = mkdtempSync(join(tmpdir(), 'kiln-e2e-podman-'));
  chmodSync(work, 0o755);
  for (const d of ['home', 'xdg', 'out', 'out2', 'out3']) {
    mkdirSync(join(work, d));
    chownSync(join(work, d), uid, gid);
  }
  chmodSync(join(work, 'xdg'), 0o700);
  chownSync(work, uid, gid);
  const podman = podmanAs(work);
  const registry = await startRegistry();
  const port = registry.host.split(':')[1];
  // slirp4netns shows the host's loopback at 10.0.2.2 (with allow_host_loopback): plain http, as to a loopback registry
  const cacheUrl = `oci+http://10.0.2.2:${port}/kiln/cache`;
  const { mirror, security } = hostMirrors();
  const tag = spawnSync(join(REPO, 'scripts/build-kiln-image'), ['--print-tag'], { encoding: 'utf8' }).stdout.trim();
  const started = Date.now();
  const secs = () => Math.round((Date.now() - started) / 1000);

  /** `podman run` of a Kiln command; the options are the test's claim: no --privileged, devices or capabilities. */
  // as the image's kiln: no capability added; as the container's root: CAP_SYS_ADMIN of the
  // container's user namespace (not the host's), which podman's root lacks by default
  const runOptions = (out: string, { asKiln = true, shared = true } = {}) => [
    'run',
    '--rm',
    ...(asKiln ? ['--user', 'kiln'] : ['--cap-add', 'SYS_ADMIN']),
    '--network',
    'slirp4netns:allow_host_loopback=true',
    '-v',
    `${out}:/work:U`,
    '-w',
    '/work',
    '-e',
    `PATH=${LOGIN_PATH}`,
    ...(shared ? ['-e', `KILN_CACHE_URL=${cacheUrl}`] : []),
    '-e',
    'DIB_GRUB_TIMEOUT=0',
    // the container's bootstrap cache, kept in the mounted directory so that the host can read it
    '-e',
    'DIB_IMAGE_CACHE=/work/cache',
    ...(mirror ? ['-e', `DIB_DISTRIBUTION_MIRROR=${mirror}`] : []),
    ...(security ? ['-e', `DIB_DEBIAN_SECURITY_MIRROR=${security}`] : []),
    tag,
  ];
  try {
    await t.test('scripts/build-kiln-image builds the image with Kiln (kiln-builder, docker output)', () => {
      const r = spawnSync(join(REPO, 'scripts/build-kiln-image'), ['-o', join(work, 'kiln')], { encoding: 'utf8', cwd: work, maxBuffer: 256 * 1024 * 1024 });
      assert.equal(r.status, 0, `build-kiln-image failed:\n${(r.stdout + r.stderr).slice(-6000)}`);
      assert.match(r.stdout, /podman load -i .*kiln\.docker\.tar/, 'it says how to load it');
      chmodSync(join(work, 'kiln.docker.tar'), 0o644);
      t.diagnostic(`image built in ${secs()} s`);
    });

    await t.test('rootless podman loads the archive Kiln wrote', () => {
      const load = podman.run(['load', '-i', join(work, 'kiln.docker.tar')]);
      assert.equal(load.status, 0, load.out);
      assert.match(load.out, new RegExp(`Loaded image: localhost/${tag}`));
      t.diagnostic(`loaded at ${secs()} s`);
    });

    let fs = '';
    await t.test('disk-image-create debian-minimal vm in the container: fakechroot bootstrap pushed to the shared cache', () => {
      const r = podman.run([...runOptions(join(work, 'out')), 'disk-image-create', '-t', 'qcow2', '-o', '/work/img', 'debian-minimal', 'vm']);
      assert.equal(r.status, 0, `the build in podman failed:\n${r.out.slice(-8000)}`);
      // Kiln runs as the image's user kiln, which has no subordinate ids there: fakeroot mode
      assert.match(r.out, /kiln has no subordinate id range of 65536 ids in \/etc\/subuid: the tree's owners are recorded in a fakeroot database/);
      assert.match(r.out, /bootstrap: debian \S+ amd64 with mmdebstrap \(\d+ packages, fakechroot mode\)/);
      assert.match(r.out, /bootstrap: pushed debian \S+ amd64 \([0-9a-f]{12}\) to the shared cache/);
      const [entry] = listCache(join(work, 'out', 'cache'));
      assert.equal(entry?.inputs.mode, 'fakechroot', 'keyed on the mode');
      const tags = JSON.parse(
        spawnSync('skopeo', ['list-tags', '--tls-verify=false', `docker://${registry.host}/kiln/cache`], { encoding: 'utf8' }).stdout,
      ).Tags;
      assert.deepEqual(tags, [entry!.key], 'the registry has the entry under its key');
      t.diagnostic(`built in podman at ${secs()} s`);
      const img = join(work, 'out', 'img.qcow2');
      const check = spawnSync('qemu-img', ['check', img], { encoding: 'utf8' });
      assert.equal(check.status, 0, `qemu-img check:\n${check.stdout}${check.stderr}`);
      assert.match(check.stdout, /No errors were found/);
      const raw = join(work, 'img.raw');
      assert.equal(spawnSync('qemu-img', ['convert', '-O', 'raw', img, raw]).status, 0);
      const table = JSON.parse(spawnSync('sfdisk', ['--json', raw], { encoding: 'utf8' }).stdout).partitiontable;
      assert.equal(table.label, 'dos');
      assert.equal(table.partitions[0].bootable, true);
      fs = rootFs(raw, join(work, 'root.ext4'));
    });

    await t.test('the image has root-owned /usr, _apt-owned apt directories, setuid bits and the shadow group (debugfs)', () => {
      assert.equal(spawnSync('e2fsck', ['-fn', fs]).status, 0, 'fsck-clean');
      const apt = idOf(fs, '/etc/passwd', '_apt');
      const shadow = idOf(fs, '/etc/group', 'shadow');
      assert.notEqual(apt, 0);
      assert.notEqual(shadow, 0);
      assert.deepEqual(stat(fs, '/usr'), { mode: 0o755, uid: 0, gid: 0 });
      assert.deepEqual(stat(fs, '/usr/bin/sudo'), { mode: 0o4755, uid: 0, gid: 0 });
      assert.deepEqual(stat(fs, '/usr/bin/passwd'), { mode: 0o4755, uid: 0, gid: 0 });
      assert.deepEqual(stat(fs, '/etc/shadow'), { mode: 0o640, uid: 0, gid: shadow });
      assert.deepEqual(stat(fs, '/var/lib/apt/lists/partial'), { mode: 0o700, uid: apt, gid: 0 });
      assert.deepEqual(stat(fs, '/var/cache/apt/archives/partial'), { mode: 0o700, uid: apt, gid: 0 });
      assert.deepEqual(stat(fs, '/root'), { mode: 0o700, uid: 0, gid: 0 });
      assert.deepEqual(stat(fs, '/tmp'), { mode: 0o1777, uid: 0, gid: 0 });
      // installed by dpkg in the tree's hooks (not the bootstrap), under fakeroot too
      assert.deepEqual(stat(fs, '/usr/lib/grub'), { mode: 0o755, uid: 0, gid: 0 });
      const dev = spawnSync('debugfs', ['-R', 'stat /dev/null', fs], { encoding: 'utf8' }).stdout;
      assert.match(dev, /Type: character special\s+Mode:\s+0666\s.*User:\s+0\s+Group:\s+0/s, 'a character device node, root-owned');
      assert.match(dev, /Device major\/minor number: 01:03/, '/dev/null is 1:3');
      assert.ok(!/^kiln:/m.test(cat(fs, '/etc/passwd')), "the builder's user is not in the image");
    });

    await t.test('the image boots to a login prompt (kiln boot-test on the host)', () => {
      const r = spawnSync(process.execPath, [join(REPO, 'bin/kiln'), 'boot-test', join(work, 'out', 'img.qcow2'), '--timeout', '900'], {
        encoding: 'utf8',
        maxBuffer: 64 * 1024 * 1024,
      });
      assert.equal(r.status, 0, `boot-test failed:\n${(r.stdout + r.stderr).slice(-4000)}`);
      assert.match(r.stdout, /boot-test: OK/);
      t.diagnostic(`booted at ${secs()} s`);
    });

    await t.test('a second container, with an empty cache, pulls the bootstrap from the registry: no mmdebstrap', () => {
      const r = podman.run([...runOptions(join(work, 'out2')), 'disk-image-create', '-t', 'tar', '-o', '/work/img', 'debian-minimal']);
      assert.equal(r.status, 0, `the second build in podman failed:\n${r.out.slice(-8000)}`);
      assert.match(r.out, /bootstrap: pulled debian \S+ amd64 \([0-9a-f]{12}\) from the shared cache/);
      assert.doesNotMatch(r.out, /with mmdebstrap/);
      assert.doesNotMatch(r.out, /I: running apt-get update/, 'mmdebstrap did not run');
      const [a] = listCache(join(work, 'out', 'cache'));
      const [b] = listCache(join(work, 'out2', 'cache'));
      assert.equal(b?.key, a?.key);
      assert.equal(b?.sha256, a?.sha256, 'the same tarball');
      const list = spawnSync('tar', ['--numeric-owner', '-tvf', join(work, 'out2', 'img.tar'), './usr/bin/sudo'], { encoding: 'utf8' });
      assert.match(list.stdout, /^-rwsr-xr-x 0\/0 /, 'setuid root sudo in the tar output');
      t.diagnostic(`second build at ${secs()} s`);
    });

    await t.test("as the container's root (no --user, --cap-add SYS_ADMIN): root of a user namespace; mmdebstrap in unshare mode, no device nodes made", () => {
      // no shared cache: this bootstrap runs mmdebstrap as root of the container's user namespace
      const r = podman.run([
        ...runOptions(join(work, 'out3'), { asKiln: false, shared: false }),
        'disk-image-create',
        '-t',
        'tar',
        '-o',
        '/work/img',
        'debian-minimal',
      ]);
      assert.equal(r.status, 0, `the build as the container's root failed:\n${r.out.slice(-8000)}`);
      assert.match(r.out, /bootstrap: debian \S+ amd64 with mmdebstrap \(\d+ packages\)/, 'not fakechroot mode');
      assert.doesNotMatch(r.out, /fakeroot database/);
      assert.match(r.out, /root of a user namespace that maps \d+ ids \(a rootless container's root\)/);
      const list = spawnSync('tar', ['--numeric-owner', '-tvf', join(work, 'out3', 'img.tar')], { encoding: 'utf8', maxBuffer: 64 << 20 });
      assert.match(list.stdout, /^-rwsr-xr-x 0\/0 .* \.\/usr\/bin\/passwd$/m, 'setuid root passwd in the tar output');
      assert.match(list.stdout, /^drwx------ \d+\/0 .* \.\/var\/lib\/apt\/lists\/partial\/$/m, "_apt's directory");
      assert.doesNotMatch(list.stdout, /^[cb]/m, 'no device nodes: the kernel refuses mknod to a user namespace');
      t.diagnostic(`third build at ${secs()} s`);
    });
  } finally {
    await registry.stop();
    spawnSync('rm', ['-rf', '--one-file-system', work]);
  }
});
