/**
 * End to end: build Debian images with the real CLI (disk-image-create debian-minimal vm -t qcow2)
 * and boot them to a login prompt on the serial console (kiln boot-test), BIOS and UEFI. The
 * second build must reuse the cached bootstrap, and no build may leave a loop device or a mount
 * behind on the host. Each build's report and SBOM hold what the image holds: the packages dpkg-query
 * listed in the image (the dpkg manifest), the boot test's result, the LVM layout (drawn; rendered in
 * headless Chromium without errors).
 * The BIOS image's dpkg manifest is checked against what Kiln's element files ask for.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { listCache } from '../../src/cache/index.js';
import { readReportData, type SpdxDocument } from '../../src/report/index.js';
import { renderInChromium } from '../helpers/chromium.js';
import { watchHost } from '../helpers/host-watch.js';
import { spdxProblems } from '../helpers/spdx.js';
import { aptSimulate } from '../helpers/apt-sim.js';
import { kilnDebianMinimalVmRequests } from '../helpers/kiln-package-requests.js';

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

/** NAME.d/sbom.spdx.json lists the packages dpkg-query listed in the image (dib-manifest-dpkg-NAME, written in the image by the dpkg element). */
function checkSbom(work: string, name: string): void {
  const sbom = JSON.parse(readFileSync(join(work, `${name}.d`, 'sbom.spdx.json'), 'utf8')) as SpdxDocument;
  assert.deepEqual(spdxProblems(sbom), []);
  const manifest = JSON.parse(readFileSync(join(work, `${name}.d`, 'dib-manifests', `dib-manifest-dpkg-${name}`), 'utf8')) as {
    packages: { package: string; version: string; status: string }[];
  };
  const inImage = manifest.packages
    .filter((p) => p.status[1] === 'i') // db:Status-Abbrev: want, state (i: installed), error
    .map((p) => `${p.package.replace(/:.*/, '')} ${p.version}`)
    .sort();
  assert.ok(inImage.length > 100, `${inImage.length} packages`);
  assert.deepEqual(
    sbom.packages
      .slice(1)
      .map((p) => `${p.name} ${p.versionInfo}`)
      .sort(),
    inImage,
  );
  assert.ok(sbom.packages.some((p) => p.name === 'linux-image-amd64'));
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
      checkSbom(work, 'bios');
      const data = readReportData(readFileSync(join(work, 'bios.d', 'report.html'), 'utf8'))!;
      assert.deepEqual([data.bootTest?.ok, data.bootTest?.by, data.bootTest?.firmware], [true, 'kiln boot-test', 'BIOS'], 'the boot test is in the report');
      assert.equal(data.packages?.packages.length, JSON.parse(readFileSync(join(work, 'bios.d', 'sbom.spdx.json'), 'utf8')).packages.length - 1);
    });
    await t.test("its packages (dpkg manifest) are those Kiln's element files ask for, as apt resolves them", () => {
      // tests/integration/distros/dib-package-parity.test.ts compares the same request lists with DIB's
      const manifest = JSON.parse(readFileSync(join(work, 'bios.d', 'dib-manifests', 'dib-manifest-dpkg-bios'), 'utf8')) as {
        packages: { package: string; status: string }[];
      };
      const real = manifest.packages.filter((p) => p.status.startsWith('ii')).map((p) => p.package.replace(/:.*$/, ''));
      const req = kilnDebianMinimalVmRequests('bookworm');
      const expected = aptSimulate([{ packages: req.flatMap((r) => r.packages), recommends: false }]);
      assert.deepEqual(real.sort(), [...expected].sort());
      for (const p of ['dbus', 'libpam-systemd', 'systemd-timesyncd']) assert.ok(real.includes(p), p);
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
      checkSbom(work, 'lvm');
      // the LVs drawn to scale, in a page Chromium renders without an error
      const page = renderInChromium(
        join(work, 'lvm.d', 'report.html'),
        "{ lv: document.querySelectorAll('svg#layout rect.lv').length, partitions: document.querySelectorAll('svg#layout rect.partition').length, boot: document.getElementById('boot-test').getAttribute('data-ok') }",
      );
      assert.deepEqual(page.problems, []);
      const data = readReportData(readFileSync(join(work, 'lvm.d', 'report.html'), 'utf8'))!;
      const segments = data.layout!.lvm.flatMap((l) => l.lvs.flatMap((lv) => lv.segments)).length;
      assert.equal(data.layout!.lvm[0]!.lvs.length, 3, 'lv_root, lv_var, lv_home');
      assert.deepEqual(page.measured, { lv: segments, partitions: data.layout!.partitionTables[0]!.partitions.length, boot: 'true' });
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
