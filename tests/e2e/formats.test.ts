/**
 * End to end, issue 6 and the README's promise: the debian-minimal vm image converted to vmdk and
 * to vhd boots in the boot test, and the raw image boots with a plain qemu command line.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { BIN, isRoot } from '../helpers/cli.js';

const skip = !isRoot() && process.env['CI'] !== 'true' ? 'needs root (or CI)' : false;

function bootTest(image: string): void {
  const r = spawnSync(join(BIN, 'kiln'), ['boot-test', image, '--timeout', '900'], { encoding: 'utf8' });
  assert.equal(r.status, 0, `boot-test ${image}:\n${(r.stdout + r.stderr).slice(-3000)}`);
}

/** qemu-system-x86_64 as a user would type it; resolves when the serial console shows login:. */
function plainQemu(image: string, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const q = spawn('qemu-system-x86_64', ['-m', '1024', '-smp', '2', '-nographic', '-no-reboot',
      '-drive', `file=${image},format=raw,if=virtio,snapshot=on`], { stdio: ['ignore', 'pipe', 'pipe'] });
    let seen = '';
    const timer = setTimeout(() => { q.kill('SIGKILL'); reject(new Error(`no login prompt after ${timeoutMs} ms:\n${seen.slice(-2000)}`)); }, timeoutMs);
    q.stdout.on('data', (d: Buffer) => {
      seen += d.toString();
      if (/login:/.test(seen)) {
        clearTimeout(timer);
        q.kill('SIGKILL');
        resolve(Date.now() - t0);
      }
    });
    q.on('exit', () => { clearTimeout(timer); if (!/login:/.test(seen)) reject(new Error(`qemu exited:\n${seen.slice(-2000)}`)); });
  });
}

test('debian-minimal vm as vmdk, vhd and raw: all boot', { skip, timeout: 60 * 60_000 }, async (t) => {
  const work = mkdtempSync(join(tmpdir(), 'kiln-e2e-formats-'));
  mkdirSync(join(work, 'tmp'));
  try {
    const r = spawnSync(join(BIN, 'disk-image-create'), ['debian-minimal', 'vm', '-t', 'vmdk,vhd,raw', '-o', join(work, 'deb')], {
      encoding: 'utf8', maxBuffer: 256 * 1024 * 1024,
      env: { ...process.env, CI: 'true', DIB_RELEASE: 'bookworm', DIB_IMAGE_CACHE: join(work, 'cache'), TMP_DIR: join(work, 'tmp'), DIB_GRUB_TIMEOUT: '0' },
    });
    assert.equal(r.status, 0, (r.stdout + r.stderr).slice(-4000));
    await t.test('vmdk (streamOptimized) boots', () => bootTest(join(work, 'deb.vmdk')));
    await t.test('vhd boots', () => bootTest(join(work, 'deb.vhd')));
    await t.test('raw boots with a plain qemu command', async () => {
      const ms = await plainQemu(join(work, 'deb.raw'), 900_000);
      t.diagnostic(`plain qemu reached login: in ${(ms / 1000).toFixed(1)} s`);
    });
  } finally {
    spawnSync('rm', ['-rf', '--one-file-system', work]);
  }
});
