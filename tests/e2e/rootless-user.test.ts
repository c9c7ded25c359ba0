/**
 * End to end, issue 14: a new Debian user builds and boots an image. kiln-test (subordinate ids,
 * scripts/setup-test-user) runs `disk-image-create debian-minimal vm` in a login shell (`runuser -l`:
 * the login PATH of a new Debian user, no /usr/sbin) with an empty cache of its own, so mmdebstrap
 * bootstraps in unshare mode and every hook runs in the user namespace. On the host: qemu-img check,
 * e2fsck, and the owners, modes and setuid bits read back with debugfs, as root of the image sees
 * them (not the subordinate ids of the build). Then the same user boots the image with kiln boot-test.
 * Run it under `flock /work/debian.lock` on a shared machine: it runs mmdebstrap and QEMU.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { REPO } from '../helpers/cli.js';
import { idOf, rootFs, stat, TEST_USER, testUserIds } from '../helpers/image-fs.js';

const USER = TEST_USER;
const isRoot = process.getuid?.() === 0;
const skip = !isRoot && process.env.CI !== 'true' ? 'needs root (to run the build as kiln-test with runuser)' : false;

const q = (s: string) => `'${s.replace(/'/g, "'\\''")}'`;

/** A command in kiln-test's login shell (its own PATH, HOME and environment), in `dir`. */
function asUser(dir: string, command: string, timeoutMs: number): { status: number | null; out: string } {
  const r = spawnSync('runuser', ['-l', USER, '-c', `cd ${q(dir)} && echo "PATH=$PATH" && ${command}`], {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    timeout: timeoutMs,
    killSignal: 'SIGKILL',
  });
  return { status: r.status, out: `${r.stdout}\n${r.stderr}` };
}

test('a new Debian user (login PATH, subordinate ids) builds debian-minimal vm and boots it', { skip, timeout: 60 * 60_000 }, async (t) => {
  const { uid, gid } = testUserIds();
  const work = mkdtempSync(join(tmpdir(), 'kiln-e2e-user-'));
  chmodSync(work, 0o755);
  chownSync(work, uid, gid);
  const started = Date.now();
  const secs = () => Math.round((Date.now() - started) / 1000);
  try {
    await t.test('the build succeeds as the user, in a user namespace', () => {
      const env = `DIB_IMAGE_CACHE=${q(join(work, 'cache'))} TMPDIR=${q(work)} DIB_GRUB_TIMEOUT=0`;
      const r = asUser(work, `env ${env} ${q(join(REPO, 'bin/disk-image-create'))} debian-minimal vm -o img`, 45 * 60_000);
      assert.equal(r.status, 0, `the build as ${USER} failed:\n${r.out.slice(-8000)}`);
      const path = /^PATH=(.*)$/m.exec(r.out)?.[1] ?? '';
      assert.ok(!path.split(':').some((d) => d.endsWith('/sbin')), `a login PATH without sbin (${path})`);
      assert.match(r.out, /bootstrap: debian \S+ amd64 with mmdebstrap \(\d+ packages\)/, 'mmdebstrap in unshare mode (not fakechroot)');
      assert.doesNotMatch(r.out, /fakeroot database/, 'subordinate ids: no fakeroot mode');
      assert.match(r.out, /Build completed successfully/);
      t.diagnostic(`built at ${secs()} s`);
    });

    await t.test("the image's owners and modes are root's, read back with debugfs", () => {
      const img = join(work, 'img.qcow2');
      const check = spawnSync('qemu-img', ['check', img], { encoding: 'utf8' });
      assert.equal(check.status, 0, `qemu-img check:\n${check.stdout}${check.stderr}`);
      const raw = join(work, 'img.raw');
      assert.equal(spawnSync('qemu-img', ['convert', '-O', 'raw', img, raw]).status, 0);
      const fs = rootFs(raw, join(work, 'root.ext4'));
      assert.equal(spawnSync('e2fsck', ['-fn', fs]).status, 0, 'fsck-clean');
      const apt = idOf(fs, '/etc/passwd', '_apt');
      const shadow = idOf(fs, '/etc/group', 'shadow');
      assert.deepEqual(stat(fs, '/usr'), { mode: 0o755, uid: 0, gid: 0 });
      assert.deepEqual(stat(fs, '/usr/bin/passwd'), { mode: 0o4755, uid: 0, gid: 0 });
      assert.deepEqual(stat(fs, '/etc/shadow'), { mode: 0o640, uid: 0, gid: shadow });
      assert.deepEqual(stat(fs, '/var/lib/apt/lists/partial'), { mode: 0o700, uid: apt, gid: 0 });
      assert.deepEqual(stat(fs, '/root'), { mode: 0o700, uid: 0, gid: 0 });
      assert.deepEqual(stat(fs, '/tmp'), { mode: 0o1777, uid: 0, gid: 0 });
      assert.deepEqual(stat(fs, '/usr/lib/grub'), { mode: 0o755, uid: 0, gid: 0 }, 'installed by dpkg in a hook, in the user namespace');
    });

    await t.test('the same user boots the image to a login prompt (kiln boot-test)', () => {
      const r = asUser(work, `${q(join(REPO, 'bin/kiln'))} boot-test img.qcow2 --timeout 900`, 20 * 60_000);
      assert.equal(r.status, 0, `boot-test as ${USER} failed:\n${r.out.slice(-4000)}`);
      assert.match(r.out, /boot-test: OK/);
      t.diagnostic(`booted at ${secs()} s`);
    });
  } finally {
    // the tree's files belong to the user's subordinate ids: root removes them
    spawnSync('rm', ['-rf', '--one-file-system', work]);
  }
});
