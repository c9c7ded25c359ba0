/**
 * End to end, on an amd64 host: `disk-image-create -a arm64 debian-minimal vm` (every in-tree step
 * through qemu-user and binfmt_misc; GRUB arm64-efi on the ESP) and `-a i386 debian-minimal vm`
 * (BIOS). Each image's /usr/bin/ls is read back from the root filesystem with debugfs (no mount)
 * and its ELF machine checked, then the image boots to a login prompt: qemu-system-aarch64 -M virt
 * with AAVMF, qemu-system-i386 with SeaBIOS. arm64 is the default release (stable); i386 is bookworm,
 * the last Debian release with an i386 kernel.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { REPO } from '../helpers/cli.js';
import { ELF_MACHINE, elfMachine } from '../helpers/elf.js';

const DIC = join(REPO, 'bin/disk-image-create');
const KILN = join(REPO, 'bin/kiln');
const isRoot = process.getuid?.() === 0;
const skip = !isRoot && process.env.CI !== 'true' ? 'needs root (or CI)' : false;

function build(work: string, arch: string, name: string, release?: string): void {
  const r = spawnSync(process.execPath, [DIC, '-a', arch, '-o', join(work, name), '-t', 'raw,qcow2', 'debian-minimal', 'vm'], {
    encoding: 'utf8',
    cwd: work,
    maxBuffer: 256 * 1024 * 1024,
    env: {
      ...process.env,
      ...(release ? { DIB_RELEASE: release } : {}),
      DIB_IMAGE_CACHE: join(work, 'cache'),
      TMP_DIR: join(work, 'tmp'),
      TMPDIR: join(work, 'tmp'),
    },
  });
  assert.equal(r.status, 0, `disk-image-create -a ${arch} failed:\n${`${r.stdout}\n${r.stderr}`.slice(-4000)}`);
}

/** The bytes of a file in the image's root filesystem (the partition holding /etc/os-release). */
function readFromRoot(image: string, path: string): Buffer {
  const t = spawnSync('sfdisk', ['--json', image], { encoding: 'utf8' });
  assert.equal(t.status, 0, t.stderr);
  const table = JSON.parse(t.stdout) as { partitiontable: { sectorsize?: number; partitions: { start: number; type: string }[] } };
  const sector = table.partitiontable.sectorsize ?? 512;
  for (const p of table.partitiontable.partitions) {
    const at = `${image}?offset=${p.start * sector}`;
    const probe = spawnSync('debugfs', ['-R', 'stat /etc/os-release', at], { encoding: 'utf8' });
    if (probe.status !== 0 || !/Inode:/.test(probe.stdout)) continue;
    const r = spawnSync('debugfs', ['-R', `cat ${path}`, at], { maxBuffer: 64 << 20 });
    assert.equal(r.status, 0, String(r.stderr));
    return r.stdout;
  }
  throw new Error(`no ext filesystem with /etc/os-release in ${image}`);
}

function bootTest(image: string, arch: string): string {
  const r = spawnSync(process.execPath, [KILN, 'boot-test', image, '--arch', arch, '--timeout', '1500'], { encoding: 'utf8', maxBuffer: 64 << 20 });
  assert.equal(r.status, 0, `boot-test ${image} failed:\n${(r.stdout + r.stderr).slice(-4000)}`);
  return r.stdout;
}

test('cross-architecture Debian images: arm64 (UEFI) and i386 (BIOS) build, hold their arch, and boot', { skip, timeout: 80 * 60_000 }, async (t) => {
  const work = mkdtempSync(join(tmpdir(), 'kiln-e2e-cross-'));
  mkdirSync(join(work, 'tmp'));
  try {
    await t.test('-a arm64: aarch64 binaries, boots with AAVMF on the virt machine', () => {
      build(work, 'arm64', 'arm');
      assert.equal(elfMachine(readFromRoot(join(work, 'arm.raw'), '/usr/bin/ls')), ELF_MACHINE.aarch64);
      const out = bootTest(join(work, 'arm.qcow2'), 'arm64');
      assert.match(out, /boot-test: OK: .* \(UEFI, TCG, qcow2\)/);
    });
    await t.test('-a i386: i386 binaries, boots with SeaBIOS', () => {
      // Debian 13 keeps i386 without a kernel: a bootable i386 image is bookworm
      build(work, 'i386', 'x86', 'bookworm');
      assert.equal(elfMachine(readFromRoot(join(work, 'x86.raw'), '/usr/bin/ls')), ELF_MACHINE.i386);
      const out = bootTest(join(work, 'x86.qcow2'), 'i386');
      assert.match(out, /boot-test: OK: .* \(BIOS, (TCG|KVM), qcow2\)/);
    });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});
