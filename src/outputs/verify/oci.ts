/**
 * An OCI layout archive must be self-consistent (image-spec image-layout.md, manifest.md):
 * oci-layout version 1.0.0; every blobs/sha256/<hex> hashes to <hex>; index.json's manifests, and
 * each manifest's config and layers, exist with the stated sizes; the config's diff_ids equal the
 * uncompressed layers' digests; every index entry carries a ref.name; layers are readable tars.
 */
import { OutputVerificationError } from './error.js';
import { memberJson, scanArchive, verifyLayerTar, type ArchiveMember } from './archive-scan.js';

interface Descriptor {
  mediaType?: string;
  digest?: string;
  size?: number;
  annotations?: Record<string, string>;
}
interface Index {
  schemaVersion?: number;
  manifests?: Descriptor[];
}
interface Manifest {
  schemaVersion?: number;
  config?: Descriptor;
  layers?: Descriptor[];
}
interface Config {
  architecture?: string;
  os?: string;
  rootfs?: { diff_ids?: string[] };
}

const UNCOMPRESSED_LAYER = 'application/vnd.oci.image.layer.v1.tar';

export async function verifyOciArchive(output: string, file: string = output): Promise<void> {
  const members = await scanArchive(output, file);
  const fail = (why: string): never => {
    throw new OutputVerificationError(output, why);
  };
  for (const [name, m] of members) {
    const hex = /^blobs\/sha256\/([0-9a-f]{64})$/.exec(name)?.[1];
    if (name.startsWith('blobs/') && hex !== m.sha256) fail(`blob ${name} has sha256 ${m.sha256}`);
  }
  const blob = (d: Descriptor | undefined, what: string): ArchiveMember => {
    const name = `blobs/sha256/${(d?.digest ?? '').replace(/^sha256:/, '')}`;
    const m = members.get(name) ?? fail(`${what} ${d?.digest} is missing`);
    if (m.size !== d?.size) fail(`${what} ${d?.digest} is ${m.size} bytes, descriptor says ${d?.size}`);
    return m;
  };
  const layout = memberJson<{ imageLayoutVersion?: string }>(output, members, 'oci-layout');
  if (layout.imageLayoutVersion !== '1.0.0') fail('oci-layout is not version 1.0.0');
  const index = memberJson<Index>(output, members, 'index.json');
  if (index.schemaVersion !== 2 || !index.manifests?.length) fail('index.json lists no manifest');
  for (const d of index.manifests!) {
    if (!d.annotations?.['org.opencontainers.image.ref.name']) fail(`manifest ${d.digest} has no ref.name annotation`);
    const mm = blob(d, 'manifest');
    const manifest = JSON.parse(mm.data!.toString('utf8')) as Manifest;
    const cm = blob(manifest.config, 'config');
    const config = JSON.parse(cm.data!.toString('utf8')) as Config;
    if (!config.architecture || config.os !== 'linux') fail('config lacks architecture or os=linux');
    const layers = manifest.layers ?? [];
    const diffIds = config.rootfs?.diff_ids ?? [];
    if (layers.length === 0 || diffIds.length !== layers.length) fail('config rootfs.diff_ids do not match the layers');
    for (const [i, l] of layers.entries()) {
      const lm = blob(l, 'layer');
      if (l.mediaType !== UNCOMPRESSED_LAYER) fail(`layer ${l.digest} has media type ${l.mediaType}`);
      if (diffIds[i] !== `sha256:${lm.sha256}`) fail(`layer ${l.digest}: diff_id ${diffIds[i]} differs`);
      await verifyLayerTar(output, file, `blobs/sha256/${lm.sha256}`);
    }
  }
}
