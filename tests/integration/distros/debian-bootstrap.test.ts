/**
 * Really bootstraps Debian bookworm (minbase + Kiln's debian-minimal package set) through the
 * debian driver into a temporary cache, checks the tree, then bootstraps again and checks that the
 * second run is a cache hit: no mmdebstrap, only the unpack.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Runner, type RunOptions, type RunResult } from '../../../src/exec/runner.js';
import { findTool } from '../../helpers/host-tools.js';
import { MemoryLogger } from '../../../src/log.js';
import { currentIdentity } from '../../../src/sandbox/identity.js';
import { distroDriver } from '../../../src/distros/index.js';
import { NO_FLAGS, readSettings } from '../../../src/config/read-settings.js';
import { listCache } from '../../../src/cache/index.js';

class RecordingRunner extends Runner {
  readonly calls: string[][] = [];
  override async run(cmd: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
    this.calls.push([cmd, ...args]);
    return super.run(cmd, args, opts);
  }
}

const identity = currentIdentity();
const skip =
  !identity.privileged && process.env.CI !== 'true'
    ? 'needs root (or CI)'
    : !findTool('mmdebstrap') && process.env.CI !== 'true'
      ? 'mmdebstrap is not installed'
      : false;

test('debian driver: bootstrap bookworm, then a cache hit', { skip, timeout: 15 * 60_000 }, async () => {
  const work = mkdtempSync(join(tmpdir(), 'kiln-debian-bootstrap-'));
  const cacheDir = join(work, 'cache');
  const driver = distroDriver('debian');
  const run = async (name: string) => {
    const target = join(work, name);
    mkdirSync(target);
    const log = new MemoryLogger();
    const runner = new RecordingRunner(log);
    const t0 = Date.now();
    await driver.bootstrap({
      arch: 'amd64',
      settings: readSettings({ DIB_RELEASE: 'bookworm' }, NO_FLAGS, 'bootstrap'),
      cacheDir,
      useCache: true,
      offline: false,
      target,
      runner,
      log,
      identity,
    });
    return { target, runner, log, ms: Date.now() - t0 };
  };
  try {
    const first = await run('tree1');
    assert.ok(
      first.runner.calls.some((c) => c.includes('mmdebstrap')),
      'first run calls mmdebstrap',
    );
    const t = first.target;
    assert.ok(existsSync(join(t, 'usr/bin/apt')), 'apt installed');
    assert.match(readFileSync(join(t, 'etc/debian_version'), 'utf8'), /^12\./);
    const boot = readdirSync(join(t, 'boot'));
    assert.ok(
      boot.some((f) => f.startsWith('vmlinuz-')),
      `kernel in /boot: ${boot.join(' ')}`,
    );
    assert.ok(!boot.some((f) => f.startsWith('initrd.img-')), 'no initramfs yet: it is built once, in finalise.d');
    assert.match(readFileSync(join(t, 'usr/sbin/update-initramfs'), 'utf8'), /Kiln/);
    assert.ok(existsSync(join(t, 'usr/sbin/update-initramfs.kiln-real')), 'the real update-initramfs is diverted');
    assert.ok(
      readdirSync(join(t, 'var/lib/apt/lists')).some((f) => f.endsWith('_Packages')),
      'package lists kept (DIB has them from root.d on)',
    );
    for (const p of ['usr/bin/systemctl', 'usr/bin/sudo', 'usr/bin/python3', 'usr/sbin/mke2fs', 'usr/bin/busybox']) {
      assert.ok(existsSync(join(t, p)), `${p} installed`);
    }
    const entries = listCache(cacheDir);
    assert.equal(entries.length, 1);
    assert.equal(entries[0]!.inputs.release, 'bookworm');
    assert.ok(entries[0]!.size > 50 * 1048576, `tarball size ${entries[0]!.size}`);

    const second = await run('tree2');
    assert.ok(!second.runner.calls.some((c) => c.includes('mmdebstrap')), `no mmdebstrap on a hit: ${JSON.stringify(second.runner.calls)}`);
    assert.match(second.log.text(), /from the cache/);
    assert.ok(second.ms < first.ms / 3, `cache hit ${second.ms} ms vs bootstrap ${first.ms} ms`);
    assert.equal(readFileSync(join(second.target, 'etc/debian_version'), 'utf8'), readFileSync(join(t, 'etc/debian_version'), 'utf8'));
    assert.ok(existsSync(join(second.target, 'usr/sbin/update-initramfs.kiln-real')));
    assert.equal(listCache(cacheDir).length, 1);
  } finally {
    await new Runner().run('rm', ['-rf', '--one-file-system', work]);
  }
});
