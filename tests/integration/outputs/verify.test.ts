// Our own verifiers must reject broken archives (a verifier that accepts anything is a defect),
// with an OutputVerificationError (exit 70) naming the output.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { rmSync, truncateSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import tarStream from 'tar-stream';
import { exitCodeFor } from '../../../src/cli/report.js';
import { encodeImageConfig } from '../../../src/outputs/image-config.js';
import { OCI_MEDIA } from '../../../src/outputs/oci.js';
import { writeTarArchive, type PackEntry } from '../../../src/outputs/tar-pack.js';
import { verifyDockerArchive } from '../../../src/outputs/verify/docker.js';
import { OutputVerificationError } from '../../../src/outputs/verify/error.js';
import { verifyOciArchive } from '../../../src/outputs/verify/oci.js';
import { tempRoot } from './fixture.js';

const root = tempRoot('verify');
after(() => rmSync(root, { recursive: true, force: true }));
const hex = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** A tiny tree tar: './' and './etc/hostname', as GNU tar of a tree would start. */
async function layerTar(): Promise<Buffer> {
  const p = tarStream.pack();
  p.entry({ name: './', type: 'directory', mode: 0o755 });
  p.entry({ name: './etc/hostname', mode: 0o644 }, 'x\n');
  p.finalize();
  const chunks: Buffer[] = [];
  for await (const c of p as unknown as AsyncIterable<Buffer>) chunks.push(Buffer.from(c));
  return Buffer.concat(chunks);
}

async function dockerArchive(name: string, tweak: { diffId?: string; layer?: Buffer; configName?: string } = {}): Promise<string> {
  const layer = tweak.layer ?? (await layerTar());
  const config = encodeImageConfig('amd64', 0, tweak.diffId ?? `sha256:${hex(layer)}`);
  const configName = tweak.configName ?? `${hex(config)}.json`;
  const file = join(root, name);
  await writeTarArchive(
    file,
    [
      { name: `${hex(layer)}/layer.tar`, type: 'file', data: layer },
      { name: configName, type: 'file', data: config },
      {
        name: 'manifest.json',
        type: 'file',
        data: Buffer.from(JSON.stringify([{ Config: configName, RepoTags: ['a:b'], Layers: [`${hex(layer)}/layer.tar`] }])),
      },
      { name: 'repositories', type: 'file', data: Buffer.from('{}') },
    ],
    0,
  );
  return file;
}

async function ociArchive(name: string, tweak: { refName?: boolean; corruptBlob?: boolean } = {}): Promise<string> {
  const layer = await layerTar();
  const config = encodeImageConfig('amd64', 0, `sha256:${hex(layer)}`);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MEDIA.manifest,
      config: { mediaType: OCI_MEDIA.config, digest: `sha256:${hex(config)}`, size: config.length },
      layers: [{ mediaType: OCI_MEDIA.layer, digest: `sha256:${hex(layer)}`, size: layer.length }],
    }),
  );
  const index = {
    schemaVersion: 2,
    manifests: [
      {
        mediaType: OCI_MEDIA.manifest,
        digest: `sha256:${hex(manifest)}`,
        size: manifest.length,
        ...(tweak.refName === false ? {} : { annotations: { 'org.opencontainers.image.ref.name': 'a:b' } }),
      },
    ],
  };
  const entries: PackEntry[] = [
    { name: 'oci-layout', type: 'file', data: Buffer.from('{"imageLayoutVersion":"1.0.0"}') },
    { name: 'index.json', type: 'file', data: Buffer.from(JSON.stringify(index)) },
    { name: `blobs/sha256/${hex(layer)}`, type: 'file', data: tweak.corruptBlob ? Buffer.concat([layer.subarray(0, -1), Buffer.from([1])]) : layer },
    { name: `blobs/sha256/${hex(config)}`, type: 'file', data: config },
    { name: `blobs/sha256/${hex(manifest)}`, type: 'file', data: manifest },
  ];
  const file = join(root, name);
  await writeTarArchive(file, entries, 0);
  return file;
}

async function rejects(p: Promise<void>, why: RegExp, output: string): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof OutputVerificationError, String(e));
    assert.equal(e.output, output);
    assert.match(e.message, why);
    assert.equal(exitCodeFor(e), 70);
    return true;
  });
}

describe('docker archive verifier', () => {
  it('accepts a consistent archive', async () => verifyDockerArchive(await dockerArchive('good.tar')));
  it('rejects a diff_id that is not the layer digest', async () => {
    const f = await dockerArchive('diffid.tar', { diffId: `sha256:${'0'.repeat(64)}` });
    await rejects(verifyDockerArchive(f), /config says sha256:0000/, f);
  });
  it('rejects a config not named by its digest', async () => {
    const f = await dockerArchive('cfgname.tar', { configName: `${'1'.repeat(64)}.json` });
    await rejects(verifyDockerArchive(f), /config 1111.*has sha256/, f);
  });
  it('rejects a layer that is not a tar', async () => {
    const f = await dockerArchive('notar.tar', { layer: Buffer.alloc(1024, 0x41) });
    await rejects(verifyDockerArchive(f), /layer .*(not a readable tar|first entry)/, f);
  });
  it('rejects a truncated archive', async () => {
    const f = await dockerArchive('trunc.tar');
    truncateSync(f, Math.floor(statSync(f).size / 3));
    await rejects(verifyDockerArchive(f), /not a readable tar|missing/, f);
  });
});

describe('OCI archive verifier', () => {
  it('accepts a consistent layout', async () => verifyOciArchive(await ociArchive('good.oci.tar')));
  it('rejects a blob whose bytes do not match its name', async () => {
    const f = await ociArchive('blob.oci.tar', { corruptBlob: true });
    await rejects(verifyOciArchive(f), /blob blobs\/sha256\/[0-9a-f]+ has sha256/, f);
  });
  it('rejects a manifest without a ref.name annotation', async () => {
    const f = await ociArchive('noref.oci.tar', { refName: false });
    await rejects(verifyOciArchive(f), /no ref.name annotation/, f);
  });
});
