/**
 * Online tier (KILN_E2E_ONLINE=1, off by default): builds a real Ubuntu image from a real mirror
 * and boots it to a login prompt, so a user with internet can prove the ubuntu driver. The
 * mirror is the user's: KILN_E2E_UBUNTU_MIRROR (Kiln names no mirror host). Run with
 *   KILN_E2E_ONLINE=1 KILN_E2E_UBUNTU_MIRROR=http://<mirror>/ubuntu node --test dist/tests/online/
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isRoot, runCli } from '../helpers/cli.js';

const online = process.env.KILN_E2E_ONLINE === '1';
const mirror = process.env.KILN_E2E_UBUNTU_MIRROR ?? '';
const skip = !online
  ? 'online tier: set KILN_E2E_ONLINE=1'
  : !mirror
    ? 'set KILN_E2E_UBUNTU_MIRROR'
    : !isRoot() && process.env.CI !== 'true'
      ? 'needs root (or CI)'
      : false;

for (const release of ['jammy', 'noble']) {
  test(`online: ubuntu-minimal ${release} from the mirror builds and boots`, { skip, timeout: 60 * 60_000 }, () => {
    const work = mkdtempSync(join(tmpdir(), `kiln-online-ubuntu-${release}-`));
    try {
      const out = join(work, 'img');
      const r = runCli('disk-image-create', ['-o', out, '-t', 'qcow2', 'ubuntu-minimal', 'vm'], {
        env: { DIB_RELEASE: release, DIB_DISTRIBUTION_MIRROR: mirror },
        timeoutMs: 50 * 60_000,
      });
      assert.equal(r.status, 0, r.stderr.slice(-4000));
      assert.ok(existsSync(`${out}.qcow2`));
      const q = spawnSync('qemu-img', ['info', '--output=json', `${out}.qcow2`], { encoding: 'utf8' });
      assert.equal(JSON.parse(q.stdout).format, 'qcow2');
      const b = runCli('kiln', ['boot-test', `${out}.qcow2`, '--timeout', '900'], { timeoutMs: 20 * 60_000 });
      assert.equal(b.status, 0, (b.stdout + b.stderr).slice(-4000));
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
}
