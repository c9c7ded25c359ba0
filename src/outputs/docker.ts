/**
 * docker: a `docker load`-able archive (the docker-save layout) written without a daemon:
 *   manifest.json  [{Config, RepoTags, Layers}]
 *   repositories   {NAME: {TAG: <layer id>}} (legacy, still read by old docker)
 *   <sha256 of config>.json, <sha256 of layer>/layer.tar
 * DIB instead pipes the tar into `docker import`, which needs a running daemon and root.
 */
import { encodeImageConfig, parseImageRef } from './image-config.js';
import { blobOf, writeLayer } from './image-layer.js';
import { writeTarArchive } from './tar-pack.js';
import { treeTarTools } from './tree-tar.js';
import type { OutputFormat } from './types.js';
import { verifyDockerArchive } from './verify/docker.js';

export const docker: OutputFormat = {
  name: 'docker',
  needs: 'tree',
  extension: 'docker.tar',
  tools: (req) => treeTarTools(req),
  async write(req, { file, final, temp }) {
    const ref = parseImageRef(req.dockerTarget, 'docker');
    const layerFile = temp('layer');
    const layer = await writeLayer(req, layerFile, 'output docker');
    const config = encodeImageConfig(req.arch, req.epoch, `sha256:${layer.hex}`);
    const configName = `${blobOf(config).hex}.json`;
    const manifest = [{ Config: configName, RepoTags: [`${ref.name}:${ref.tag}`], Layers: [`${layer.hex}/layer.tar`] }];
    await writeTarArchive(
      file,
      [
        { name: `${layer.hex}/`, type: 'directory' },
        { name: `${layer.hex}/layer.tar`, type: 'file', path: layerFile },
        { name: configName, type: 'file', data: config },
        { name: 'manifest.json', type: 'file', data: Buffer.from(JSON.stringify(manifest)) },
        { name: 'repositories', type: 'file', data: Buffer.from(JSON.stringify({ [ref.name]: { [ref.tag]: layer.hex } })) },
      ],
      req.epoch,
    );
    await verifyDockerArchive(final, file);
  },
};
