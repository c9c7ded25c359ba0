/**
 * The Debian driver with a damaged cache entry. The cached bootstrap is a small real tar.zst made
 * here (stored under the key the driver computes), unpacked by the real tar; mmdebstrap is faked
 * (it writes another small tar.zst), so no network and no Debian bootstrap is needed.
 *  - intact: unpacked from the cache, mmdebstrap not run;
 *  - flipped bytes / truncated, online: reported (with the prune hint), removed, bootstrapped again;
 *  - offline: the build fails with that message, and the entry stays;
 *  - damage a stat cannot see (same size and mtime): the unpack fails, and says "corrupt cache entry".
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { bootstrapPaths, cacheKey, lookupBootstrap, sha256File, storeBootstrap, tempBootstrapPath } from '../../../src/cache/index.js';
import { debianCacheInputs, debianDriver } from '../../../src/distros/debian.js';
import { NO_FLAGS, readSettings } from '../../../src/config/read-settings.js';
import { planDebianBootstrap } from '../../../src/distros/debian-plan.js';
import { loadDebianData } from '../../../src/distros/debian-data.js';
import { KilnError } from '../../../src/errors.js';
import { Runner, type RunOptions, type RunResult } from '../../../src/exec/runner.js';
import { MemoryLogger } from '../../../src/log.js';
import { currentIdentity } from '../../../src/sandbox/identity.js';

const skip = process.getuid?.() !== 0 && process.env.CI !== 'true' ? 'needs root (the unpack keeps owners)' : false;
const SETTINGS = readSettings({ DIB_RELEASE: 'bookworm' }, NO_FLAGS, 'bootstrap');
const root = mkdtempSync(join(tmpdir(), 'kiln-cache-corrupt-'));
after(() => rmSync(root, { recursive: true, force: true }));

/** A small tar.zst whose tree holds etc/marker = `marker` (and some bulk, so a flip hits data). */
function makeTarball(file: string, marker: string): void {
  const tree = mkdtempSync(join(root, 'src-'));
  mkdirSync(join(tree, 'etc'));
  writeFileSync(join(tree, 'etc/marker'), `${marker}\n`);
  writeFileSync(join(tree, 'etc/bulk'), Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 7919) % 256)));
  execFileSync('tar', ['--zstd', '-cf', file, '-C', tree, '.']);
  rmSync(tree, { recursive: true });
}

/** mmdebstrap is replaced by writing a tarball at its output argument; everything else really runs. */
class FakeMmdebstrap extends Runner {
  bootstraps = 0;
  override run(cmd: string, args: string[], opts?: RunOptions): Promise<RunResult> {
    if ([cmd, ...args].includes('mmdebstrap')) {
      this.bootstraps++;
      makeTarball(args.find((a) => a.endsWith('.tar.zst'))!, 'fresh');
      return Promise.resolve({ stdout: '', stderr: '', exitCode: 0 });
    }
    return super.run(cmd, args, opts);
  }
}

let n = 0;
async function setUp(): Promise<{ cacheDir: string; key: string; file: string }> {
  const cacheDir = join(root, `cache${n++}`);
  const key = cacheKey(debianCacheInputs(planDebianBootstrap(loadDebianData(), 'amd64', SETTINGS)));
  const tmp = tempBootstrapPath(cacheDir, key);
  makeTarball(tmp, 'cached');
  storeBootstrap(cacheDir, key, tmp, { release: 'bookworm' }, new Date(), await sha256File(tmp));
  return { cacheDir, key, file: bootstrapPaths(cacheDir, key).tarball };
}

async function bootstrap(cacheDir: string, offline: boolean): Promise<{ target: string; runner: FakeMmdebstrap; log: MemoryLogger }> {
  const log = new MemoryLogger();
  const runner = new FakeMmdebstrap(log);
  const target = mkdtempSync(join(root, 'tree-'));
  await debianDriver.bootstrap({ arch: 'amd64', settings: SETTINGS, cacheDir, useCache: true, offline, target, runner, log, identity: currentIdentity() });
  return { target, runner, log };
}

function flipMiddle(file: string): void {
  const at = Math.floor(statSync(file).size / 2);
  const fd = openSync(file, 'r+');
  writeSync(fd, Buffer.from([readFileSync(file)[at]! ^ 0xff]), 0, 1, at);
  closeSync(fd);
}

describe('debian driver: corrupt cache entries', { skip }, () => {
  it('an intact entry is unpacked from the cache', async () => {
    const { cacheDir } = await setUp();
    const r = await bootstrap(cacheDir, false);
    assert.equal(r.runner.bootstraps, 0);
    assert.equal(readFileSync(join(r.target, 'etc/marker'), 'utf8'), 'cached\n');
  });

  for (const [what, damage] of [
    ['flipped bytes', flipMiddle],
    ['a truncation', (f: string) => truncateSync(f, 1000)],
  ] as const) {
    it(`${what}, online: reported with the prune hint, removed, bootstrapped again and stored afresh`, async () => {
      const { cacheDir, key, file } = await setUp();
      const before = lookupBootstrap(cacheDir, key)!.sha256;
      damage(file);
      const r = await bootstrap(cacheDir, false);
      assert.equal(r.runner.bootstraps, 1);
      assert.match(
        r.log.text(),
        new RegExp(
          `the cached bootstrap of debian bookworm amd64 \\(${key.slice(0, 12)}, ${file}\\) is corrupt: .*; removed it and bootstrapping again \\('kiln cache prune --corrupt' checks every entry\\)`,
        ),
      );
      assert.equal(readFileSync(join(r.target, 'etc/marker'), 'utf8'), 'fresh\n');
      const now = lookupBootstrap(cacheDir, key)!;
      assert.notEqual(now.sha256, before);
      assert.equal(now.sha256, await sha256File(file), 'the new entry carries its own checksum');
    });
  }

  it('offline: fails with the message and the hint, and leaves the entry alone', async () => {
    const { cacheDir, key, file } = await setUp();
    flipMiddle(file);
    await assert.rejects(bootstrap(cacheDir, true), (e: unknown) => {
      assert.ok(e instanceof KilnError);
      assert.match(e.message, new RegExp(`cached bootstrap of debian bookworm amd64 \\(${key.slice(0, 12)}, ${file}\\) is corrupt: its sha256`));
      assert.match(e.hint ?? '', /kiln cache prune --corrupt.*without --offline/);
      return true;
    });
    assert.ok(lookupBootstrap(cacheDir, key));
  });

  it('damage with the same size and mtime: the failed unpack says the entry is corrupt, and removes it', async () => {
    const { cacheDir, key, file } = await setUp();
    const ref = join(root, `times${n}`);
    execFileSync('touch', ['-r', file, ref]);
    flipMiddle(file);
    execFileSync('touch', ['-r', ref, file]);
    await assert.rejects(bootstrap(cacheDir, false), (e: unknown) => {
      assert.ok(e instanceof KilnError);
      assert.match(e.message, new RegExp(`cached bootstrap of debian bookworm amd64 \\(${key.slice(0, 12)}, ${file}\\) is corrupt: unpacking it failed`));
      assert.match(e.message, /the entry was removed/);
      assert.match(e.hint ?? '', /run the build again/);
      return true;
    });
    assert.equal(lookupBootstrap(cacheDir, key), undefined);
    assert.deepEqual(readdirSync(join(cacheDir, 'bootstrap')), []);
  });
});
