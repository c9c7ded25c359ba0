/**
 * oci: an OCI image layout (image-spec image-layout.md) in a tar, as `skopeo copy
 * oci-archive:NAME.oci.tar:REF` and `podman load` read it:
 *   oci-layout, index.json (one manifest, annotated org.opencontainers.image.ref.name = REF),
 *   blobs/sha256/<hex> for the manifest, the config and the one layer.
 * The layer is an uncompressed tar (media type ...layer.v1.tar): its digest is its diff_id, and the
 * bytes stay reproducible. REF is --docker-target when given, else NAME:latest.
 */
import { encodeImageConfig, ociRefName, parseImageRef } from './image-config.js';
import { blobOf, writeLayer } from './image-layer.js';
import { writeTarArchive, type PackEntry } from './tar-pack.js';
import { treeTarTools } from './tree-tar.js';
import type { OutputFormat } from './types.js';
import { verifyOciArchive } from './verify/oci.js';

export const OCI_MEDIA = {
  index: 'application/vnd.oci.image.index.v1+json',
  manifest: 'application/vnd.oci.image.manifest.v1+json',
  config: 'application/vnd.oci.image.config.v1+json',
  layer: 'application/vnd.oci.image.layer.v1.tar',
} as const;

export const REF_NAME_ANNOTATION = 'org.opencontainers.image.ref.name';

export const oci: OutputFormat = {
  name: 'oci',
  needs: 'tree',
  extension: 'oci.tar',
  tools: (req) => treeTarTools(req),
  async write(req, { file, final, temp }) {
    const ref = parseImageRef(ociRefName(req), 'oci');
    const layerFile = temp('layer');
    const layer = await writeLayer(req, layerFile, 'output oci');
    const config = encodeImageConfig(req.arch, req.epoch, `sha256:${layer.hex}`);
    const cfg = blobOf(config);
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_MEDIA.manifest,
        config: { mediaType: OCI_MEDIA.config, digest: `sha256:${cfg.hex}`, size: cfg.size },
        layers: [{ mediaType: OCI_MEDIA.layer, digest: `sha256:${layer.hex}`, size: layer.size }],
      }),
    );
    const man = blobOf(manifest);
    const index = {
      schemaVersion: 2,
      mediaType: OCI_MEDIA.index,
      manifests: [
        { mediaType: OCI_MEDIA.manifest, digest: `sha256:${man.hex}`, size: man.size, annotations: { [REF_NAME_ANNOTATION]: `${ref.name}:${ref.tag}` } },
      ],
    };
    const blobs: PackEntry[] = [
      { name: `blobs/sha256/${layer.hex}`, type: 'file', path: layerFile },
      { name: `blobs/sha256/${cfg.hex}`, type: 'file', data: config },
      { name: `blobs/sha256/${man.hex}`, type: 'file', data: manifest },
    ];
    blobs.sort((a, b) => a.name.localeCompare(b.name));
    await writeTarArchive(
      file,
      [
        { name: 'oci-layout', type: 'file', data: Buffer.from(JSON.stringify({ imageLayoutVersion: '1.0.0' })) },
        { name: 'index.json', type: 'file', data: Buffer.from(JSON.stringify(index)) },
        { name: 'blobs/', type: 'directory' },
        { name: 'blobs/sha256/', type: 'directory' },
        ...blobs,
      ],
      req.epoch,
    );
    await verifyOciArchive(final, file);
  },
};
