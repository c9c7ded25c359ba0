/**
 * End to end, as the user kiln-nosub (no subordinate ids: fakeroot mode, scripts/setup-test-user)
 * with a new Debian user's login PATH: `disk-image-create debian-minimal vm` bootstraps with
 * mmdebstrap --mode=fakechroot and the image has the owners, modes and setuid bits of a real root
 * build, read back with debugfs; it boots (kiln boot-test). The bootstrap goes to a shared cache
 * (a local registry, KILN_CACHE_URL), and a second build with another, empty cache directory pulls
 * it from there instead of running mmdebstrap.
 * Run it under `flock /work/debian.lock` on a shared machine: it runs mmdebstrap and QEMU.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { listCache } from '../../src/cache/index.js';
import { startRegistry } from '../helpers/registry.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const USER = 'kiln-nosub';
const LOGIN_PATH = '/usr/local/bin:/usr/bin:/bin:/usr/games';
const isRoot = process.getuid?.() === 0;
const skip = !isRoot && process.env.CI !== 'true' ? 'needs root (to run as kiln-nosub with runuser)' : false;

function nosubUid(): number {
  if (spawnSync('id', ['-u', USER]).status !== 0 || `\n${readFileSync('/etc/subuid', 'utf8')}`.includes(`\n${USER}:`)) {
    const r = spawnSync(join(REPO, 'scripts/setup-test-user'), { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
  }
  return Number(spawnSync('id', ['-u', USER], { encoding: 'utf8' }).stdout.trim());
}

function buildAsNosub(work: string, cache: string, name: string, env: Record<string, string>): string {
  const r = spawnSync(
    'runuser',
    [
      '-u',
      USER,
      '--',
      'env',
      `PATH=${LOGIN_PATH}`,
      `HOME=${work}`,
      'DIB_RELEASE=bookworm',
      `DIB_IMAGE_CACHE=${cache}`,
      'DIB_GRUB_TIMEOUT=0',
      `TMP_DIR=${join(work, 'tmp')}`,
      `TMPDIR=${join(work, 'tmp')}`,
      ...Object.entries(env).map(([k, v]) => `${k}=${v}`),
      process.execPath,
      join(REPO, 'bin/disk-image-create'),
      '-o',
      join(work, name),
      '-t',
      'raw',
      'debian-minimal',
      'vm',
    ],
    { encoding: 'utf8', cwd: work, maxBuffer: 256 * 1024 * 1024 },
  );
  const out = `${r.stdout}\n${r.stderr}`;
  assert.equal(r.status, 0, `the build as ${USER} failed:\n${out.slice(-6000)}`);
  return out;
}

/** The root partition of an MBR raw image, copied out (debugfs reads a filesystem image). */
function rootFs(image: string, out: string): string {
  const parts = JSON.parse(spawnSync('sfdisk', ['--json', image], { encoding: 'utf8' }).stdout).partitiontable.partitions as { start: number; size: number }[];
  assert.equal(parts.length, 1);
  const r = spawnSync('dd', [`if=${image}`, `of=${out}`, 'bs=512', `skip=${parts[0]!.start}`, `count=${parts[0]!.size}`, 'status=none']);
  assert.equal(r.status, 0);
  return out;
}

function stat(fs: string, path: string): { mode: number; uid: number; gid: number } {
  const out = spawnSync('debugfs', ['-R', `stat ${path}`, fs], { encoding: 'utf8' }).stdout;
  const m = /Mode:\s+0?([0-7]+).*User:\s+(\d+)\s+Group:\s+(\d+)/s.exec(out);
  assert.ok(m, `debugfs stat ${path}:\n${out}`);
  return { mode: Number.parseInt(m[1]!, 8), uid: Number(m[2]), gid: Number(m[3]) };
}

function cat(fs: string, path: string): string {
  return spawnSync('debugfs', ['-R', `cat ${path}`, fs], { encoding: 'utf8' }).stdout;
}

/** The id a name has in the image's passwd or group file. */
function idOf(fs: string, file: '/etc/passwd' | '/etc/group', name: string): number {
  const line = cat(fs, file)
    .split('\n')
    .find((l) => l.startsWith(`${name}:`));
  assert.ok(line, `${name} in ${file}`);
  return Number(line.split(':')[2]);
}

test('debian-minimal vm without subordinate ids: fakechroot bootstrap, real owners in the image, boots; a second cache gets the bootstrap from the registry', {
  skip,
  timeout: 60 * 60_000,
}, async (t) => {
  const uid = nosubUid();
  const work = mkdtempSync(join(tmpdir(), 'kiln-e2e-nosub-'));
  chmodSync(work, 0o755);
  chownSync(work, uid, uid);
  mkdirSync(join(work, 'tmp'));
  chownSync(join(work, 'tmp'), uid, uid);
  const registry = await startRegistry();
  const cacheUrl = `oci://${registry.host}/kiln/cache`;
  try {
    let fs = '';
    await t.test('builds with mmdebstrap --mode=fakechroot and pushes the bootstrap to the shared cache', () => {
      const out = buildAsNosub(work, join(work, 'cache-a'), 'img', { KILN_CACHE_URL: cacheUrl });
      assert.match(out, /no subordinate id range of 65536 ids in \/etc\/subuid: the tree's owners are recorded in a fakeroot database/);
      assert.match(out, /bootstrap: debian bookworm amd64 with mmdebstrap \(\d+ packages, fakechroot mode\)/);
      assert.match(out, /bootstrap: pushed debian bookworm amd64 \([0-9a-f]{12}\) to the shared cache/);
      const [entry] = listCache(join(work, 'cache-a'));
      assert.equal(entry?.inputs.mode, 'fakechroot', 'keyed on the mode');
      const tags = JSON.parse(
        spawnSync('skopeo', ['list-tags', '--tls-verify=false', `docker://${registry.host}/kiln/cache`], { encoding: 'utf8' }).stdout,
      ).Tags;
      assert.deepEqual(tags, [entry!.key], 'the registry has the entry under its key');
      fs = rootFs(join(work, 'img.raw'), join(work, 'root.ext4'));
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
      assert.ok(!cat(fs, '/etc/passwd').includes(String(uid)), "the builder's uid appears nowhere in passwd");
    });

    await t.test('the image boots to a login prompt (kiln boot-test)', () => {
      const r = spawnSync(process.execPath, [join(REPO, 'bin/kiln'), 'boot-test', join(work, 'img.raw'), '--timeout', '900'], {
        encoding: 'utf8',
        maxBuffer: 64 * 1024 * 1024,
      });
      assert.equal(r.status, 0, `boot-test failed:\n${(r.stdout + r.stderr).slice(-4000)}`);
      assert.match(r.stdout, /boot-test: OK/);
    });

    await t.test('a build with another, empty cache directory pulls the bootstrap from the registry: no mmdebstrap', () => {
      const out = buildAsNosub(work, join(work, 'cache-b'), 'img2', { KILN_CACHE_URL: cacheUrl });
      assert.match(out, /bootstrap: pulled debian bookworm amd64 \([0-9a-f]{12}\) from the shared cache/);
      assert.doesNotMatch(out, /with mmdebstrap/);
      assert.doesNotMatch(out, /I: running apt-get update/, 'mmdebstrap did not run');
      const [a] = listCache(join(work, 'cache-a'));
      const [b] = listCache(join(work, 'cache-b'));
      assert.equal(b?.key, a?.key);
      assert.equal(b?.sha256, a?.sha256, 'the same tarball');
      assert.ok(existsSync(join(work, 'img2.raw')));
    });
  } finally {
    await registry.stop();
    spawnSync('rm', ['-rf', '--one-file-system', work]);
  }
});
