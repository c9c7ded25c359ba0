/**
 * The shared cache against a real registry (Debian's docker-registry on loopback, tests/helpers/
 * registry.ts), with an entry that is not a bootstrap of any distro: the cache layer is generic.
 * What the registry holds is read back with skopeo and sha256sum, not with Kiln's client.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cacheKey, listCache, lookupBootstrap, storeBootstrap, tempBootstrapPath } from '../../../src/cache/index.js';
import { MEDIA, RemoteCache, parseCacheUrl } from '../../../src/cache/remote.js';
import { KilnError } from '../../../src/errors.js';
import { startRegistry } from '../../helpers/registry.js';

function sh(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')}:\n${r.stderr}`);
  return r.stdout;
}

/** A local cache entry with `bytes` as its tarball and made-up inputs. */
function localEntry(dir: string, inputs: Record<string, string | number>, bytes: Buffer) {
  const key = cacheKey(inputs);
  const temp = tempBootstrapPath(dir, key);
  writeFileSync(temp, bytes);
  return storeBootstrap(dir, key, temp, inputs, new Date('2026-01-02T03:04:05.000Z'), sh('sha256sum', [temp]).split(' ')[0]);
}

describe('shared cache in an OCI registry', () => {
  let registry: { host: string; stop(): Promise<void> };
  const work = mkdtempSync(join(tmpdir(), 'kiln-remote-cache-'));
  before(async () => {
    registry = await startRegistry();
  });
  after(async () => {
    await registry?.stop();
    rmSync(work, { recursive: true, force: true });
  });
  const url = () => `oci://${registry.host}/kiln/cache`;

  it('push, then pull into another cache: same bytes, inputs and time; skopeo sees an artifact tagged with the key', async () => {
    const a = join(work, 'a');
    const b = join(work, 'b');
    const bytes = randomBytes(3 * 1024 * 1024 + 17);
    const entry = localEntry(a, { driver: 'test-layer-1', layer: 'python3', n: 1 }, bytes);
    const remote = new RemoteCache(parseCacheUrl(url()));
    assert.equal(await remote.manifest(entry.key), undefined, 'not there before the push');
    await remote.push(entry);

    const raw = JSON.parse(sh('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${registry.host}/kiln/cache:${entry.key}`]));
    assert.equal(raw.mediaType, MEDIA.manifest);
    assert.equal(raw.artifactType, MEDIA.artifact);
    assert.equal(raw.config.mediaType, MEDIA.config);
    assert.equal(raw.layers.length, 1);
    assert.equal(raw.layers[0].digest, `sha256:${sh('sha256sum', [entry.file]).split(' ')[0]}`, 'the layer is the tarball, by digest');
    assert.equal(raw.layers[0].size, bytes.length);
    const tags = JSON.parse(sh('skopeo', ['list-tags', '--tls-verify=false', `docker://${registry.host}/kiln/cache`])).Tags;
    assert.deepEqual(tags, [entry.key]);

    const pulled = await remote.pull(b, entry.key);
    assert.ok(pulled);
    assert.deepEqual(readFileSync(pulled.file), bytes);
    assert.deepEqual(pulled.inputs, entry.inputs);
    assert.equal(pulled.created, entry.created);
    assert.equal(pulled.sha256, entry.sha256);
    assert.deepEqual(lookupBootstrap(b, entry.key)?.inputs, entry.inputs, 'a normal entry of the local cache');
    assert.deepEqual(readdirSync(join(b, 'bootstrap')).sort(), [`${entry.key}.json`, `${entry.key}.tar.zst`], 'no temporary file left');
  });

  it('a key the registry does not have is a miss: nothing is written', async () => {
    const c = join(work, 'c');
    const remote = new RemoteCache(parseCacheUrl(url()));
    assert.equal(await remote.pull(c, cacheKey({ driver: 'nothing-here' })), undefined);
    assert.deepEqual(listCache(c), []);
  });

  it('a blob that does not match its digest is refused and leaves the local cache as it was', async () => {
    const src = join(work, 'src-corrupt');
    const entry = localEntry(src, { driver: 'test-layer-2' }, randomBytes(200_000));
    await new RemoteCache(parseCacheUrl(url())).push(entry);
    // a proxy in front of the registry that flips one byte of every blob it passes on
    const proxy: Server = createServer(async (req, res) => {
      const r = await fetch(`http://${registry.host}${req.url}`, { method: req.method!, headers: { accept: String(req.headers.accept ?? '*/*') } });
      const body = Buffer.from(await r.arrayBuffer());
      if (req.url!.includes('/blobs/') && body.length > 100_000) body[1000] = body[1000]! ^ 0xff;
      res.writeHead(r.status, { 'content-type': r.headers.get('content-type') ?? 'application/octet-stream' });
      res.end(body);
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', () => r()));
    const port = (proxy.address() as { port: number }).port;
    try {
      const dst = join(work, 'dst-corrupt');
      const viaProxy = new RemoteCache(parseCacheUrl(`oci://127.0.0.1:${port}/kiln/cache`));
      await assert.rejects(viaProxy.pull(dst, entry.key), (e: unknown) => e instanceof KilnError && /is corrupt: it hashes to sha256:/.test(e.message));
      assert.deepEqual(readdirSync(join(dst, 'bootstrap')), [], 'neither an entry nor a temporary file');
    } finally {
      proxy.closeAllConnections();
      await new Promise<void>((r) => proxy.close(() => r()));
    }
  });

  it('a download cut off midway fails the pull and leaves neither an entry nor a temporary file', async () => {
    const entry = localEntry(join(work, 'src-cut'), { driver: 'test-layer-5' }, randomBytes(2_000_000));
    await new RemoteCache(parseCacheUrl(url())).push(entry);
    // in front of the registry: a blob's answer stops after half its bytes, and the connection drops
    const proxy: Server = createServer(async (req, res) => {
      const r = await fetch(`http://${registry.host}${req.url}`, { method: req.method!, headers: { accept: String(req.headers.accept ?? '*/*') } });
      const body = Buffer.from(await r.arrayBuffer());
      const blob = req.url!.includes('/blobs/') && body.length > 1_000_000;
      res.writeHead(r.status, { 'content-type': r.headers.get('content-type') ?? 'application/octet-stream', 'content-length': String(body.length) });
      if (!blob) {
        res.end(body);
        return;
      }
      res.write(body.subarray(0, body.length / 2), () => res.destroy());
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', () => r()));
    const port = (proxy.address() as { port: number }).port;
    try {
      const dst = join(work, 'dst-cut');
      await assert.rejects(new RemoteCache(parseCacheUrl(`oci://127.0.0.1:${port}/kiln/cache`)).pull(dst, entry.key));
      assert.deepEqual(readdirSync(join(dst, 'bootstrap')), []);
    } finally {
      proxy.closeAllConnections();
      await new Promise<void>((r) => proxy.close(() => r()));
    }
  });

  it('concurrent writers of one key (same and different bytes) and readers: every pull is a whole, matching entry', async () => {
    const inputs = { driver: 'test-layer-3', race: 1 };
    const one = randomBytes(1_500_000);
    const two = randomBytes(1_500_000);
    const writers = [one, two, one, two].map((bytes, i) => localEntry(join(work, `w${i}`), inputs, bytes));
    const remote = () => new RemoteCache(parseCacheUrl(url()));
    const readers: Promise<unknown>[] = [];
    const pushes = writers.map((w) => remote().push(w));
    for (let i = 0; i < 4; i++) readers.push(remote().pull(join(work, `r${i}`), writers[0]!.key));
    await Promise.all(pushes);
    const results = await Promise.all(readers);
    for (const [i, got] of results.entries()) {
      if (got === undefined) continue; // read before any manifest was there: a miss
      const e = got as { file: string; sha256: string };
      const bytes = readFileSync(e.file);
      assert.ok(bytes.equals(one) || bytes.equals(two), `reader ${i} got one writer's whole tarball`);
      assert.equal(sh('sha256sum', [e.file]).split(' ')[0], e.sha256);
    }
    const final = await remote().pull(join(work, 'final'), writers[0]!.key);
    assert.ok(final);
    const bytes = readFileSync(final.file);
    assert.ok(bytes.equals(one) || bytes.equals(two), 'the tag names one writer’s entry');
  });

  it('a registry behind a token service: the Bearer challenge is answered with KILN_CACHE_USER/PASSWORD; wrong ones are a clear error', async () => {
    const TOKEN = 'kiln-test-token';
    const creds = `Basic ${Buffer.from('builder:s3cret').toString('base64')}`;
    let port = 0;
    let tokensIssued = 0;
    let uploadsSeen = 0;
    // in front of the registry: every /v2/ request needs the token, which /token gives for the right credentials
    const proxy: Server = createServer(async (req, res) => {
      if (req.url!.startsWith('/token')) {
        const q = new URL(req.url!, 'http://x').searchParams;
        if (req.headers.authorization !== creds || q.get('scope') !== 'repository:kiln/private:pull,push' || q.get('service') !== 'test-registry') {
          res.writeHead(401).end();
          return;
        }
        tokensIssued++;
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token: TOKEN }));
        return;
      }
      if (req.headers.authorization !== `Bearer ${TOKEN}`) {
        req.resume();
        res
          .writeHead(401, { 'www-authenticate': `Bearer realm="http://127.0.0.1:${port}/token",service="test-registry",scope="repository:kiln/private:pull"` })
          .end();
        return;
      }
      if (req.method === 'PUT' && req.url!.includes('/blobs/uploads/')) uploadsSeen++;
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const headers: Record<string, string> = {};
      for (const h of ['accept', 'content-type', 'content-length']) if (req.headers[h]) headers[h] = String(req.headers[h]);
      const r = await fetch(`http://${registry.host}${req.url}`, {
        method: req.method!,
        headers,
        redirect: 'manual',
        ...(chunks.length ? { body: Buffer.concat(chunks) } : {}),
      });
      const out: Record<string, string> = {};
      // upload URLs name the registry: rewritten, so that every request comes through here
      for (const [k, v] of r.headers) if (k !== 'content-length' && k !== 'transfer-encoding') out[k] = v.replace(registry.host, `127.0.0.1:${port}`);
      res.writeHead(r.status, out);
      res.end(Buffer.from(await r.arrayBuffer()));
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', () => r()));
    port = (proxy.address() as { port: number }).port;
    try {
      const at = `oci://127.0.0.1:${port}/kiln/private`;
      const entry = localEntry(join(work, 'auth-src'), { driver: 'test-layer-4' }, randomBytes(300_000));
      await new RemoteCache(parseCacheUrl(at), { user: 'builder', password: 's3cret' }).push(entry);
      const pulled = await new RemoteCache(parseCacheUrl(at), { user: 'builder', password: 's3cret' }).pull(join(work, 'auth-dst'), entry.key);
      assert.ok(pulled && readFileSync(pulled.file).equals(readFileSync(entry.file)));
      assert.equal(tokensIssued, 2, 'one token per client, reused for every request');
      assert.ok(uploadsSeen > 0, 'the uploads came through the proxy');
      await assert.rejects(
        new RemoteCache(parseCacheUrl(at), { user: 'builder', password: 'wrong' }).pull(join(work, 'auth-bad'), entry.key),
        (e: unknown) =>
          e instanceof KilnError && /could not get a token \(HTTP 401/.test(e.message) && /KILN_CACHE_USER and KILN_CACHE_PASSWORD/.test(e.hint ?? ''),
      );
    } finally {
      proxy.closeAllConnections();
      await new Promise<void>((r) => proxy.close(() => r()));
    }
  });

  it('an unreachable registry is a KilnError naming KILN_CACHE_URL, not a stack trace', async () => {
    // a port that was free a moment ago: nothing listens there
    const s = createServer();
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
    const port = (s.address() as { port: number }).port;
    await new Promise<void>((r) => s.close(() => r()));
    const dead = new RemoteCache(parseCacheUrl(`oci://127.0.0.1:${port}/kiln/cache`));
    await assert.rejects(dead.pull(join(work, 'dead'), cacheKey({ x: 1 })), (e: unknown) => {
      assert.ok(e instanceof KilnError);
      assert.match(e.message, new RegExp(`the shared cache oci://127\\.0\\.0\\.1:${port}/kiln/cache cannot be reached: ECONNREFUSED`));
      assert.equal(e.where, 'KILN_CACHE_URL');
      return true;
    });
  });
});
