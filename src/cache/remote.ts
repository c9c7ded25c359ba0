/**
 * A shared cache in an OCI registry (KILN_CACHE_URL=oci://HOST[:PORT]/REPO): cache entries pushed
 * to and pulled from it with the registry API v2 over Node's fetch, so many machines share one
 * bootstrap. Content-addressed: the tag is the cache key, the entry is an OCI artifact manifest
 * (oras reads it: `oras pull HOST/REPO:KEY`), its one layer the tarball, its config the entry's
 * metadata (inputs, created, size, sha256). A pull streams the blob into a temporary file of the
 * local cache, checks its sha256 against the digest and the size, and only then renames it into
 * place (store.ts). Concurrent writers are safe: blobs are stored by digest (the same bytes from two
 * writers are one blob), and a manifest names blobs already uploaded, so whichever manifest a tag
 * ends up with, a reader finds a whole, matching entry.
 *
 * Hosts: https, except loopback hosts (localhost, 127.0.0.0/8, [::1]), which are plain http as in
 * Docker's default; `oci+http://` forces http. Authentication: none (a cache registry on the build
 * network), or HTTP basic with KILN_CACHE_USER and KILN_CACHE_PASSWORD, also for a token service's
 * Bearer challenge.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, rmSync, statSync } from 'node:fs';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { KilnError } from '../errors.js';
import { canonicalJson, type CacheInputs } from './key.js';
import { storeBootstrap, tempBootstrapPath, type CacheEntry } from './store.js';
import { sha256File } from './verify.js';

export const MEDIA = {
  manifest: 'application/vnd.oci.image.manifest.v1+json',
  /** the artifact's type, and its config: the entry's metadata (JSON) */
  artifact: 'application/vnd.kiln.cache.bootstrap.v1',
  config: 'application/vnd.kiln.cache.entry.v1+json',
  layer: 'application/vnd.kiln.cache.bootstrap.v1.tar+zstd',
} as const;

const TITLE = 'org.opencontainers.image.title';
const CREATED = 'org.opencontainers.image.created';

export interface RemoteCacheLocation {
  /** the URL as given, for messages */
  url: string;
  /** http or https */
  scheme: 'http' | 'https';
  /** HOST[:PORT] */
  host: string;
  repo: string;
}

export interface RemoteAuth {
  user?: string;
  password?: string;
}

function isLoopback(host: string): boolean {
  const name = host.startsWith('[') ? host.slice(1, host.indexOf(']')) : host.split(':')[0]!;
  return name === 'localhost' || name === '::1' || /^127\.\d+\.\d+\.\d+$/.test(name);
}

/** KILN_CACHE_URL, parsed; a KilnError naming the variable when it is not oci://HOST[:PORT]/REPO. */
export function parseCacheUrl(url: string): RemoteCacheLocation {
  const m = /^oci(\+https?)?:\/\/([^/\s]+)\/([a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*)\/?$/.exec(url);
  if (!m) {
    throw new KilnError(`KILN_CACHE_URL '${url}' is not a cache Kiln can use`, {
      where: 'KILN_CACHE_URL',
      hint: 'give an OCI registry repository: oci://HOST[:PORT]/REPO (REPO in lower case, e.g. oci://registry.example:5000/kiln/cache), or oci+http:// for a plain-http registry',
    });
  }
  const host = m[2]!;
  const scheme = m[1] === '+http' ? 'http' : m[1] === '+https' ? 'https' : isLoopback(host) ? 'http' : 'https';
  return { url, scheme, host, repo: m[3]! };
}

/** The metadata an entry's config blob holds. */
interface EntryConfig {
  key: string;
  kind: CacheEntry['kind'];
  created: string;
  size: number;
  sha256: string;
  inputs: CacheInputs;
}

interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
}

interface Manifest {
  schemaVersion: number;
  mediaType?: string;
  artifactType?: string;
  config: Descriptor;
  layers: Descriptor[];
}

/** Is this key a valid tag? Cache keys are sha256 hex. */
function checkKey(key: string): void {
  if (!/^[a-f0-9]{64}$/.test(key)) throw new Error(`not a cache key: ${key}`);
}

export class RemoteCache {
  private token: string | undefined;

  constructor(
    readonly loc: RemoteCacheLocation,
    private readonly auth: RemoteAuth = {},
  ) {}

  private base(): string {
    return `${this.loc.scheme}://${this.loc.host}/v2/${this.loc.repo}`;
  }

  /** fetch with the registry's auth: basic, or a Bearer token fetched on the first 401 challenge. */
  private async request(url: string, init: RequestInit & { duplex?: 'half' } = {}, retry = true): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.token) headers.set('Authorization', `Bearer ${this.token}`);
    else if (this.auth.user !== undefined)
      headers.set('Authorization', `Basic ${Buffer.from(`${this.auth.user}:${this.auth.password ?? ''}`).toString('base64')}`);
    let r: Response;
    try {
      r = await fetch(url, { ...init, headers });
    } catch (e) {
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      throw new KilnError(`the shared cache ${this.loc.url} cannot be reached: ${cause?.code ?? cause?.message ?? (e as Error).message}`, {
        where: 'KILN_CACHE_URL',
        hint: `check that a registry answers at ${this.loc.scheme}://${this.loc.host}/v2/`,
      });
    }
    const challenge = r.headers.get('www-authenticate');
    if (r.status === 401 && retry && challenge && /^Bearer /i.test(challenge) && init.body === undefined) {
      await r.body?.cancel();
      this.token = await this.fetchToken(challenge);
      return this.request(url, init, false);
    }
    return r;
  }

  private async fetchToken(challenge: string): Promise<string> {
    const params = Object.fromEntries([...challenge.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]));
    if (!params.realm) throw this.failure('authenticate', 401, 'a Bearer challenge without a realm');
    const u = new URL(params.realm);
    if (params.service) u.searchParams.set('service', params.service);
    u.searchParams.set('scope', `repository:${this.loc.repo}:pull,push`);
    const headers: Record<string, string> = {};
    if (this.auth.user !== undefined) headers.Authorization = `Basic ${Buffer.from(`${this.auth.user}:${this.auth.password ?? ''}`).toString('base64')}`;
    const r = await fetch(u, { headers });
    if (!r.ok) throw this.failure('get a token', r.status, await r.text().catch(() => ''));
    const body = (await r.json()) as { token?: string; access_token?: string };
    const token = body.token ?? body.access_token;
    if (!token) throw this.failure('get a token', r.status, 'no token in the answer');
    return token;
  }

  private failure(what: string, status: number, body: string): KilnError {
    return new KilnError(`the shared cache ${this.loc.url}: could not ${what} (HTTP ${status}${body ? `: ${body.trim().slice(0, 200)}` : ''})`, {
      where: 'KILN_CACHE_URL',
      hint:
        status === 401 || status === 403
          ? 'the registry wants credentials: set KILN_CACHE_USER and KILN_CACHE_PASSWORD'
          : 'check the registry and the repository name, or unset KILN_CACHE_URL to build without it',
    });
  }

  /** The manifest tagged `key`, or undefined when the registry has none. */
  async manifest(key: string): Promise<Manifest | undefined> {
    checkKey(key);
    const r = await this.request(`${this.base()}/manifests/${key}`, { headers: { Accept: MEDIA.manifest } });
    if (r.status === 404) {
      await r.body?.cancel();
      return undefined;
    }
    if (!r.ok) throw this.failure(`read the entry ${key.slice(0, 12)}`, r.status, await r.text().catch(() => ''));
    return (await r.json()) as Manifest;
  }

  private async hasBlob(digest: string): Promise<boolean> {
    const r = await this.request(`${this.base()}/blobs/${digest}`, { method: 'HEAD' });
    await r.body?.cancel();
    return r.ok;
  }

  /** Upload one blob (monolithic: POST for an upload URL, PUT of the bytes with their digest). */
  private async putBlob(digest: string, size: number, body: () => Buffer | Readable): Promise<void> {
    if (await this.hasBlob(digest)) return;
    const start = await this.request(`${this.base()}/blobs/uploads/`, { method: 'POST', headers: { 'Content-Length': '0' }, body: '' });
    await start.body?.cancel();
    const location = start.headers.get('location');
    if (start.status !== 202 || !location) throw this.failure('start an upload', start.status, '');
    const u = new URL(location, `${this.loc.scheme}://${this.loc.host}`);
    u.searchParams.set('digest', digest);
    const data = body();
    const put = await this.request(u.toString(), {
      method: 'PUT',
      headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': String(size) },
      body: data instanceof Readable ? (Readable.toWeb(data) as ReadableStream) : new Uint8Array(data),
      duplex: 'half',
    });
    if (put.status !== 201) throw this.failure(`upload ${digest.slice(0, 19)}`, put.status, await put.text().catch(() => ''));
    await put.body?.cancel();
  }

  /** Push a local entry under its key (tag). Its blobs first, the manifest last. */
  async push(entry: CacheEntry): Promise<void> {
    checkKey(entry.key);
    const sha256 = entry.sha256 ?? (await sha256File(entry.file));
    const size = statSync(entry.file).size;
    const cfg: EntryConfig = { key: entry.key, kind: entry.kind, created: entry.created, size, sha256, inputs: entry.inputs };
    const config = Buffer.from(canonicalJson(cfg as unknown as CacheInputs));
    const configDigest = `sha256:${createHash('sha256').update(config).digest('hex')}`;
    await this.putBlob(`sha256:${sha256}`, size, () => createReadStream(entry.file, { highWaterMark: 1 << 20 }));
    await this.putBlob(configDigest, config.length, () => config);
    const manifest: Manifest & { annotations: Record<string, string> } = {
      schemaVersion: 2,
      mediaType: MEDIA.manifest,
      artifactType: MEDIA.artifact,
      config: { mediaType: MEDIA.config, digest: configDigest, size: config.length },
      layers: [{ mediaType: MEDIA.layer, digest: `sha256:${sha256}`, size, annotations: { [TITLE]: `${entry.key}.tar.zst` } }],
      annotations: { [CREATED]: entry.created },
    };
    const r = await this.request(`${this.base()}/manifests/${entry.key}`, {
      method: 'PUT',
      headers: { 'Content-Type': MEDIA.manifest },
      body: JSON.stringify(manifest),
    });
    if (r.status !== 201) throw this.failure(`store the entry ${entry.key.slice(0, 12)}`, r.status, await r.text().catch(() => ''));
    await r.body?.cancel();
  }

  private async blobBytes(d: Descriptor): Promise<Buffer> {
    const r = await this.request(`${this.base()}/blobs/${d.digest}`);
    if (!r.ok) throw this.failure(`read ${d.digest.slice(0, 19)}`, r.status, '');
    const buf = Buffer.from(await r.arrayBuffer());
    const got = `sha256:${createHash('sha256').update(buf).digest('hex')}`;
    if (got !== d.digest) throw this.corrupt(d.digest, `its content hashes to ${got.slice(0, 19)}...`);
    return buf;
  }

  private corrupt(digest: string, why: string): KilnError {
    return new KilnError(`the shared cache ${this.loc.url}: blob ${digest.slice(0, 19)}... is corrupt: ${why}`, {
      where: 'KILN_CACHE_URL',
      hint: 'the local cache was not changed; delete the entry in the registry (or let it be pushed again)',
    });
  }

  /**
   * Pull the entry `key` into the local cache at `dir`, checked against its digest and size;
   * undefined when the registry has no such entry.
   */
  async pull(dir: string, key: string): Promise<CacheEntry | undefined> {
    const manifest = await this.manifest(key);
    if (!manifest) return undefined;
    const layer = manifest.layers?.find((l) => l.mediaType === MEDIA.layer);
    if (manifest.config?.mediaType !== MEDIA.config || !layer || !/^sha256:[a-f0-9]{64}$/.test(layer.digest)) {
      throw new KilnError(`the shared cache ${this.loc.url}: ${key.slice(0, 12)} is not a Kiln cache entry`, {
        where: 'KILN_CACHE_URL',
        hint: 'give KILN_CACHE_URL a repository of its own for Kiln',
      });
    }
    const cfg = JSON.parse((await this.blobBytes(manifest.config)).toString('utf8')) as EntryConfig;
    if (cfg.key !== key || `sha256:${cfg.sha256}` !== layer.digest || cfg.size !== layer.size) {
      throw this.corrupt(manifest.config.digest, 'its metadata does not match the manifest');
    }
    const temp = tempBootstrapPath(dir, key);
    try {
      const r = await this.request(`${this.base()}/blobs/${layer.digest}`);
      if (!r.ok || !r.body) throw this.failure(`read ${layer.digest.slice(0, 19)}`, r.status, '');
      const h = createHash('sha256');
      let size = 0;
      const tap = new Transform({
        transform(chunk: Buffer, _enc, done) {
          h.update(chunk);
          size += chunk.length;
          done(null, chunk);
        },
      });
      await pipeline(Readable.fromWeb(r.body as import('node:stream/web').ReadableStream), tap, createWriteStream(temp, { flags: 'w', mode: 0o644 }));
      const hex = h.digest('hex');
      if (`sha256:${hex}` !== layer.digest) throw this.corrupt(layer.digest, `it hashes to sha256:${hex.slice(0, 12)}...`);
      if (size !== layer.size) throw this.corrupt(layer.digest, `it is ${size} bytes, not ${layer.size}`);
      return storeBootstrap(dir, key, temp, cfg.inputs, new Date(cfg.created), hex);
    } finally {
      rmSync(temp, { force: true });
    }
  }
}

/** The shared cache KILN_CACHE_URL names (credentials from KILN_CACHE_USER/KILN_CACHE_PASSWORD), or undefined. */
export function remoteCache(url: string | undefined, auth: RemoteAuth = {}): RemoteCache | undefined {
  if (!url) return undefined;
  return new RemoteCache(parseCacheUrl(url), auth);
}
