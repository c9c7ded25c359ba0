/**
 * Online tier (KILN_E2E_ONLINE=1, off by default): builds real openSUSE trees from a real mirror
 * with the opensuse driver, to a tar, and checks them with the host's rpm, so a user with internet
 * can prove the driver. The mirror is the user's: KILN_E2E_OPENSUSE_MIRROR, the root of an
 * openSUSE download tree (Kiln names no mirror host). Run with
 *   KILN_E2E_ONLINE=1 KILN_E2E_OPENSUSE_MIRROR=http://<mirror>/opensuse node --test dist/tests/online/opensuse.test.js
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isRoot, runCli } from '../helpers/cli.js';

const online = process.env.KILN_E2E_ONLINE === '1';
const mirror = process.env.KILN_E2E_OPENSUSE_MIRROR ?? '';
const skip = !online
  ? 'online tier: set KILN_E2E_ONLINE=1'
  : !mirror
    ? 'set KILN_E2E_OPENSUSE_MIRROR'
    : !isRoot() && process.env.CI !== 'true'
      ? 'needs root (or CI)'
      : false;

for (const release of ['16.0', 'tumbleweed']) {
  test(`online: opensuse-minimal ${release} from the mirror builds to a tar with kernel-default and zypper`, { skip, timeout: 60 * 60_000 }, () => {
    const work = mkdtempSync(join(tmpdir(), `kiln-online-opensuse-${release}-`));
    try {
      const out = join(work, 'img');
      const r = runCli('disk-image-create', ['-a', 'amd64', '-o', out, '-t', 'tar', 'opensuse-minimal'], {
        env: { DIB_RELEASE: release, DIB_DISTRIBUTION_MIRROR: mirror },
        timeoutMs: 50 * 60_000,
      });
      assert.equal(r.status, 0, r.stderr.slice(-4000));
      const tree = join(work, 'tree');
      mkdirSync(tree);
      execFileSync('tar', ['-C', tree, '--numeric-owner', '-xpf', `${out}.tar`]);
      const qa = execFileSync('rpm', ['--root', tree, '--dbpath', '/usr/lib/sysimage/rpm', '-qa', '--qf', '%{NAME}\n'], { encoding: 'utf8' });
      for (const p of ['kernel-default', 'zypper', 'systemd', 'dracut']) assert.match(qa, new RegExp(`^${p}$`, 'm'), p);
      assert.match(readFileSync(join(tree, 'etc/os-release'), 'utf8'), /opensuse/i);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
}
