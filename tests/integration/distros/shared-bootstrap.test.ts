/**
 * The Debian driver with a shared cache (KILN_CACHE_URL, a local docker-registry) and in fakeroot
 * mode. mmdebstrap is faked (it writes a small tar.zst at its output argument and records its
 * argv); the registry, the cache, tar and fakeroot are real.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cacheKey, listCache, sha256File, storeBootstrap, tempBootstrapPath } from '../../../src/cache/index.js';
import { NO_FLAGS, readSettings } from '../../../src/config/read-settings.js';
import { debianCacheInputs, debianDriver } from '../../../src/distros/debian.js';
import { loadDebianData } from '../../../src/distros/debian-data.js';
import { planDebianBootstrap } from '../../../src/distros/debian-plan.js';
import { Runner, type RunOptions, type RunResult } from '../../../src/exec/runner.js';
import { MemoryLogger } from '../../../src/log.js';
import { currentIdentity, type Identity, withFakerootDb } from '../../../src/sandbox/identity.js';
import { runCli } from '../../helpers/cli.js';
import { startRegistry } from '../../helpers/registry.js';

const skip = process.getuid?.() !== 0 && process.env.CI !== 'true' ? 'needs root (the unpack keeps owners)' : false;
const root = mkdtempSync(join(tmpdir(), 'kiln-shared-bootstrap-'));

function makeTarball(file: string, marker: string): void {
  const tree = mkdtempSync(join(root, 'src-'));
  mkdirSync(join(tree, 'etc'));
  writeFileSync(join(tree, 'etc/marker'), `${marker}\n`);
  execFileSync('tar', ['--zstd', '-cf', file, '-C', tree, '.']);
  rmSync(tree, { recursive: true });
}

class FakeMmdebstrap extends Runner {
  argvs: string[][] = [];
  override run(cmd: string, args: string[], opts?: RunOptions): Promise<RunResult> {
    const argv = [cmd, ...args];
    if (argv.includes('mmdebstrap')) {
      this.argvs.push(argv);
      makeTarball(args.find((a) => a.endsWith('.tar.zst'))!, `fresh-${this.argvs.length}`);
      return Promise.resolve({ stdout: '', stderr: '', exitCode: 0 });
    }
    return super.run(cmd, args, opts);
  }
}

async function bootstrap(cacheDir: string, env: Record<string, string>, identity: Identity = currentIdentity()) {
  const log = new MemoryLogger();
  const runner = new FakeMmdebstrap(log);
  const target = mkdtempSync(join(root, 'tree-'));
  const settings = readSettings({ DIB_RELEASE: 'bookworm', ...env }, NO_FLAGS, 'bootstrap');
  await debianDriver.bootstrap({ arch: 'amd64', settings, cacheDir, useCache: true, offline: false, target, runner, log, identity });
  const text = log.lines.map((l) => l.msg).join('\n');
  return { target, runner, text, marker: readFileSync(join(target, 'etc/marker'), 'utf8').trim() };
}

describe('debian driver: the shared cache and fakeroot mode', { skip }, () => {
  let registry: { host: string; stop(): Promise<void> };
  before(async () => {
    registry = await startRegistry();
  });
  after(async () => {
    await registry?.stop();
    spawnSync('rm', ['-rf', root]);
  });

  it('a bootstrap made with one cache directory is pushed; another cache directory pulls it and runs no mmdebstrap', async () => {
    const env = { KILN_CACHE_URL: `oci://${registry.host}/kiln/cache` };
    const first = await bootstrap(join(root, 'cache-a'), env);
    assert.equal(first.runner.argvs.length, 1);
    assert.match(first.text, /bootstrap: pushed debian bookworm amd64 \([0-9a-f]{12}\) to the shared cache oci:\/\//);
    const second = await bootstrap(join(root, 'cache-b'), env);
    assert.equal(second.runner.argvs.length, 0, 'mmdebstrap did not run');
    assert.match(second.text, /bootstrap: pulled debian bookworm amd64 \([0-9a-f]{12}\) from the shared cache/);
    assert.equal(second.marker, first.marker, "the first build's tree");
    assert.equal(listCache(join(root, 'cache-b'))[0]?.sha256, listCache(join(root, 'cache-a'))[0]?.sha256);
  });

  it('a bootstrap in the local cache that the shared cache lacks is pushed to it', async () => {
    const cacheDir = join(root, 'cache-f');
    const plan = planDebianBootstrap(loadDebianData(), 'amd64', readSettings({ DIB_RELEASE: 'trixie' }, NO_FLAGS, 'bootstrap'));
    const key = cacheKey(debianCacheInputs(plan));
    const tmp = tempBootstrapPath(cacheDir, key);
    makeTarball(tmp, 'local-only');
    storeBootstrap(cacheDir, key, tmp, debianCacheInputs(plan), new Date(), await sha256File(tmp));
    const url = `oci://${registry.host}/kiln/fill`;
    const r = await bootstrap(cacheDir, { KILN_CACHE_URL: url, DIB_RELEASE: 'trixie' });
    assert.equal(r.runner.argvs.length, 0);
    assert.match(r.text, /bootstrap: pushed debian trixie amd64/);
    const tags = JSON.parse(spawnSync('skopeo', ['list-tags', '--tls-verify=false', `docker://${registry.host}/kiln/fill`], { encoding: 'utf8' }).stdout).Tags;
    assert.deepEqual(tags, [key]);
    const again = await bootstrap(cacheDir, { KILN_CACHE_URL: url, DIB_RELEASE: 'trixie' });
    assert.doesNotMatch(again.text, /pushed/, 'not pushed twice');
  });

  it('a KILN_CACHE_URL Kiln cannot use is refused before any work', () => {
    const out = mkdtempSync(join(root, 'bad-url-'));
    const r = runCli('disk-image-create', ['debian-minimal', '-t', 'tar', '-o', join(out, 'x')], {
      env: { KILN_CACHE_URL: 'http://cache.invalid/kiln', TMP_DIR: out },
    });
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /KILN_CACHE_URL 'http:\/\/cache\.invalid\/kiln' is not a cache Kiln can use/);
    assert.match(r.stderr, /hint: give an OCI registry repository: oci:\/\/HOST\[:PORT\]\/REPO/);
    assert.doesNotMatch(r.stderr, /==> |\n\s+at /, 'no step ran, no stack trace');
  });

  it('an unreachable shared cache is a warning: the build bootstraps and goes on', async () => {
    const s = createServer();
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
    const port = (s.address() as { port: number }).port;
    await new Promise<void>((r) => s.close(() => r()));
    const r = await bootstrap(join(root, 'cache-c'), { KILN_CACHE_URL: `oci://127.0.0.1:${port}/kiln/cache` });
    assert.equal(r.runner.argvs.length, 1);
    assert.equal(r.marker, 'fresh-1');
    assert.match(r.text, /cannot be reached: ECONNREFUSED; building without it/);
    assert.match(r.text, /cannot be reached: ECONNREFUSED; the bootstrap stays in the local cache only/);
    assert.equal(listCache(join(root, 'cache-c')).length, 1);
  });

  it('fakeroot mode: mmdebstrap --mode=fakechroot, cached under a key of its own', async () => {
    const cacheDir = join(root, 'cache-d');
    mkdirSync(cacheDir);
    const id = withFakerootDb(currentIdentity(), join(root, 'd.db'));
    const r = await bootstrap(cacheDir, {}, id);
    assert.equal(r.runner.argvs.length, 1);
    assert.ok(r.runner.argvs[0]!.includes('--mode=fakechroot'), r.runner.argvs[0]!.join(' '));
    const [entry] = listCache(cacheDir);
    assert.equal(entry?.inputs.mode, 'fakechroot');
  });

  it('fakeroot mode uses a bootstrap made as root or with subordinate ids when the cache has one', async () => {
    const cacheDir = join(root, 'cache-e');
    const plan = planDebianBootstrap(loadDebianData(), 'amd64', readSettings({ DIB_RELEASE: 'bookworm' }, NO_FLAGS, 'bootstrap'));
    const key = cacheKey(debianCacheInputs(plan));
    const tmp = tempBootstrapPath(cacheDir, key);
    makeTarball(tmp, 'made-with-subids');
    storeBootstrap(cacheDir, key, tmp, debianCacheInputs(plan), new Date(), await sha256File(tmp));
    const r = await bootstrap(cacheDir, {}, withFakerootDb(currentIdentity(), join(root, 'e.db')));
    assert.equal(r.runner.argvs.length, 0, 'mmdebstrap did not run');
    assert.equal(r.marker, 'made-with-subids');
  });
});
