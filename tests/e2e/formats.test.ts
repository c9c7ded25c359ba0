/**
 * End to end, the README's main command and issue 6: `disk-image-create debian-minimal vm
 * block-device-efi` makes an image that boots with BIOS and with UEFI, through `kiln boot-test`
 * and through a plain qemu command line; converted to vmdk and to vhd it boots too.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { BIN, isRoot } from '../helpers/cli.js';

const skip = !isRoot() && process.env.CI !== 'true' ? 'needs root (or CI)' : false;

function bootTest(image: string, uefi = false): void {
  const r = spawnSync(join(BIN, 'kiln'), ['boot-test', image, '--timeout', '900', ...(uefi ? ['--uefi'] : [])], { encoding: 'utf8' });
  assert.equal(r.status, 0, `boot-test ${image}:\n${(r.stdout + r.stderr).slice(-3000)}`);
}

/** qemu-system-x86_64 as a user would type it; resolves when the serial console shows login:. */
function plainQemu(args: string[], timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const q = spawn('qemu-system-x86_64', ['-m', '1024', '-smp', '2', '-nographic', '-no-reboot', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let seen = '';
    const timer = setTimeout(() => {
      q.kill('SIGKILL');
      reject(new Error(`no login prompt after ${timeoutMs} ms:\n${seen.slice(-2000)}`));
    }, timeoutMs);
    q.stdout.on('data', (d: Buffer) => {
      seen += d.toString();
      if (/login:/.test(seen)) {
        clearTimeout(timer);
        q.kill('SIGKILL');
        resolve(Date.now() - t0);
      }
    });
    q.on('exit', () => {
      clearTimeout(timer);
      if (!/login:/.test(seen)) reject(new Error(`qemu exited:\n${seen.slice(-2000)}`));
    });
  });
}

test('debian-minimal vm block-device-efi: BIOS and UEFI, kiln boot-test and plain qemu, vmdk and vhd', { skip, timeout: 60 * 60_000 }, async (t) => {
  const work = mkdtempSync(join(tmpdir(), 'kiln-e2e-formats-'));
  mkdirSync(join(work, 'tmp'));
  try {
    const r = spawnSync(join(BIN, 'disk-image-create'), ['debian-minimal', 'vm', 'block-device-efi', '-t', 'qcow2,vmdk,vhd', '-o', join(work, 'debian')], {
      encoding: 'utf8',
      maxBuffer: 256 * 1024 * 1024,
      env: { ...process.env, CI: 'true', DIB_RELEASE: 'bookworm', DIB_IMAGE_CACHE: join(work, 'cache'), TMP_DIR: join(work, 'tmp'), DIB_GRUB_TIMEOUT: '0' },
    });
    assert.equal(r.status, 0, (r.stdout + r.stderr).slice(-4000));
    const qcow2 = join(work, 'debian.qcow2');
    await t.test('kiln boot-test: BIOS', () => bootTest(qcow2));
    await t.test('kiln boot-test: UEFI', () => bootTest(qcow2, true));
    await t.test('plain qemu: BIOS', async () => {
      const ms = await plainQemu(['-drive', `file=${qcow2},format=qcow2,if=virtio,snapshot=on`], 900_000);
      t.diagnostic(`plain qemu (BIOS) reached login: in ${(ms / 1000).toFixed(1)} s`);
    });
    await t.test('plain qemu: UEFI (OVMF)', async () => {
      const vars = join(work, 'OVMF_VARS_4M.fd');
      copyFileSync('/usr/share/OVMF/OVMF_VARS_4M.fd', vars);
      const ms = await plainQemu(
        [
          '-machine',
          'q35',
          '-drive',
          'if=pflash,format=raw,unit=0,readonly=on,file=/usr/share/OVMF/OVMF_CODE_4M.fd',
          '-drive',
          `if=pflash,format=raw,unit=1,file=${vars}`,
          '-drive',
          `file=${qcow2},format=qcow2,if=virtio,snapshot=on`,
        ],
        900_000,
      );
      t.diagnostic(`plain qemu (UEFI) reached login: in ${(ms / 1000).toFixed(1)} s`);
    });
    await t.test('vmdk (streamOptimized) boots', () => bootTest(join(work, 'debian.vmdk')));
    await t.test('vhd boots', () => bootTest(join(work, 'debian.vhd')));
  } finally {
    spawnSync('rm', ['-rf', '--one-file-system', work]);
  }
});
