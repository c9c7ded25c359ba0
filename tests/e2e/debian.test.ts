/**
 * End to end: build Debian images with the real CLI (disk-image-create debian-minimal vm -t qcow2)
 * and boot them to a login prompt on the serial console (kiln boot-test), BIOS and UEFI. The
 * second build must reuse the cached bootstrap, and no build may leave a loop device or a mount
 * behind on the host.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { listCache } from '../../src/cache/index.js';
import { watchHost } from '../helpers/host-watch.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const DIC = join(REPO, 'bin/disk-image-create');
const KILN = join(REPO, 'bin/kiln');
const isRoot = process.getuid?.() === 0;
const skip = !isRoot && process.env.CI !== 'true' ? 'needs root (or CI)' : false;

function hostState(): { loops: string[]; mounts: string[] } {
  const l = spawnSync('losetup', ['-a'], { encoding: 'utf8' });
  const lines = (s: string) => s.split('\n').filter(Boolean);
  return { loops: lines(l.stdout ?? ''), mounts: lines(readFileSync('/proc/self/mountinfo', 'utf8')) };
}

function build(work: string, cache: string, name: string, elements: string[], extraEnv: Record<string, string> = {}): { ms: number; out: string } {
  const t0 = Date.now();
  const r = spawnSync(process.execPath, [DIC, '-o', join(work, name), '-t', 'qcow2', ...elements], {
    encoding: 'utf8',
    cwd: work,
    maxBuffer: 256 * 1024 * 1024,
    env: {
      ...process.env,
      DIB_RELEASE: 'bookworm',
      DIB_IMAGE_CACHE: cache,
      DIB_GRUB_TIMEOUT: '0',
      TMP_DIR: join(work, 'tmp'),
      TMPDIR: join(work, 'tmp'),
      ...extraEnv,
    },
  });
  const out = `${r.stdout}\n${r.stderr}`;
  assert.equal(r.status, 0, `disk-image-create ${elements.join(' ')} failed:\n${out.slice(-4000)}`);
  return { ms: Date.now() - t0, out };
}

function bootTest(image: string, uefi: boolean): void {
  const r = spawnSync(process.execPath, [KILN, 'boot-test', image, '--timeout', '900', ...(uefi ? ['--uefi'] : [])], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  assert.equal(r.status, 0, `boot-test ${image} failed:\n${(r.stdout + r.stderr).slice(-4000)}`);
  assert.match(r.stdout, /boot-test: OK/);
}

test('debian-minimal vm: build, boot (BIOS), rebuild from the cache, build and boot UEFI and root on LVM', { skip, timeout: 90 * 60_000 }, async (t) => {
  const work = mkdtempSync(join(tmpdir(), 'kiln-e2e-debian-'));
  const cache = join(work, 'cache');
  mkdirSync(join(work, 'tmp'));
  const before = hostState();
  const watch = watchHost(join(work, 'host-watch.log'));
  try {
    let firstMs = 0;
    await t.test('BIOS (MBR) image builds and shows a login prompt on ttyS0', () => {
      const b = build(work, cache, 'bios', ['debian-minimal', 'vm']);
      firstMs = b.ms;
      const image = join(work, 'bios.qcow2');
      assert.ok(existsSync(image) && statSync(image).size > 0, 'bios.qcow2 written');
      const info = spawnSync('qemu-img', ['info', '--output=json', image], { encoding: 'utf8' });
      assert.equal(JSON.parse(info.stdout).format, 'qcow2');
      assert.equal(listCache(cache).length, 1, 'the bootstrap is cached');
      bootTest(image, false);
    });
    await t.test('a second build reuses the cached bootstrap', () => {
      const created = listCache(cache).map((e) => `${e.key}@${e.created}`);
      const b = build(work, cache, 'bios2', ['debian-minimal', 'vm']);
      assert.deepEqual(
        listCache(cache).map((e) => `${e.key}@${e.created}`),
        created,
        'same single entry, not rewritten',
      );
      assert.ok(b.ms < firstMs, `second build ${b.ms} ms, first ${firstMs} ms`);
    });
    await t.test("UEFI (block-device-efi, the README's image) boots with OVMF; --check runs commands in the guest", () => {
      build(work, cache, 'efi', ['debian-minimal', 'vm', 'block-device-efi']);
      assert.equal(listCache(cache).length, 1, 'UEFI build shares the bootstrap');
      const image = join(work, 'efi.qcow2');
      const sha = () => spawnSync('sha256sum', [image], { encoding: 'utf8' }).stdout.split(' ')[0];
      const before = sha();
      // the plain boot (through GRUB) to login:, then the check boot: one check that must pass on
      // this image (the system is up and no unit failed) and one that fails with output
      const r = spawnSync(
        process.execPath,
        [
          KILN,
          'boot-test',
          image,
          '--uefi',
          '--timeout',
          '900',
          '--check',
          'systemctl is-system-running --wait',
          '--check',
          'echo from-the-guest; uname -s; exit 3',
        ],
        { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
      );
      const out = `${r.stdout}\n${r.stderr}`;
      assert.equal(r.status, 1, out.slice(-4000));
      assert.match(r.stderr, /boot test of .*efi\.qcow2: 1 of 2 check\(s\) failed/, out.slice(-4000));
      assert.match(r.stderr, /check failed: echo from-the-guest; uname -s; exit 3: exit status 3\n {4}\| from-the-guest\n {4}\| Linux/);
      assert.doesNotMatch(r.stderr, /check failed: systemctl/, 'is-system-running --wait passed: running, not degraded');
      assert.equal(sha(), before, 'the image is not changed by either boot');
    });
    await t.test('root on LVM (block-device-efi-lvm): lvm2 in the initramfs, boots with OVMF', () => {
      // DIB's efi-lvm layout has a 40 GB root LV; the image is sparse
      const b = build(work, cache, 'lvm', ['debian-minimal', 'vm', 'block-device-efi-lvm'], { DIB_IMAGE_SIZE: '42' });
      assert.match(b.out, /lvm2/, 'lvm2 installed for the initramfs');
      bootTest(join(work, 'lvm.qcow2'), true);
    });
    const seen = watch.stop();
    // CI runs test files one at a time: anything new on the host came from these builds
    assert.deepEqual(seen.mounts, [], 'no mount appeared on the host at any time during the builds');
    assert.deepEqual(
      seen.loops.filter((l) => !before.loops.includes(l)),
      [],
      'no loop device was attached at any time',
    );
    assert.deepEqual(hostState().mounts, before.mounts, 'the mount table is as it was');
  } finally {
    try {
      watch.stop();
    } catch {
      /* already stopped */
    }
    spawnSync('rm', ['-rf', '--one-file-system', work]);
    rmSync(work, { recursive: true, force: true });
  }
});
