/**
 * A docker-save archive must be self-consistent: manifest.json names a config and layers that are
 * present; the config's file name is its sha256; each layer's sha256 equals the config's diff_id
 * (layers are uncompressed) and its directory name; each layer is a readable tree tar.
 */
import { OutputVerificationError } from './error.js';
import { memberJson, scanArchive, verifyLayerTar } from './archive-scan.js';

interface DockerManifest {
  Config?: string;
  RepoTags?: string[];
  Layers?: string[];
}
interface ImageConfig {
  architecture?: string;
  os?: string;
  rootfs?: { type?: string; diff_ids?: string[] };
}

export async function verifyDockerArchive(output: string, file: string = output): Promise<void> {
  const members = await scanArchive(output, file);
  const fail = (why: string): never => {
    throw new OutputVerificationError(output, why);
  };
  const manifest = memberJson<DockerManifest[]>(output, members, 'manifest.json');
  if (!Array.isArray(manifest) || manifest.length !== 1) fail('manifest.json must list exactly one image');
  const m = manifest[0]!;
  if (!m.Config || !Array.isArray(m.Layers) || !Array.isArray(m.RepoTags) || m.RepoTags.length === 0) {
    fail('manifest.json lacks Config, Layers or RepoTags');
  }
  const configMember = members.get(m.Config!);
  if (!configMember) fail(`config ${m.Config} is missing`);
  if (`${configMember!.sha256}.json` !== m.Config) fail(`config ${m.Config} has sha256 ${configMember!.sha256}`);
  const config = memberJson<ImageConfig>(output, members, m.Config!);
  if (!config.architecture || config.os !== 'linux') fail('config lacks architecture or os=linux');
  const diffIds = config.rootfs?.diff_ids ?? [];
  if (config.rootfs?.type !== 'layers' || diffIds.length !== m.Layers!.length) fail('config rootfs.diff_ids do not match the layers');
  for (const [i, layer] of m.Layers!.entries()) {
    const lm = members.get(layer) ?? fail(`layer ${layer} is missing`);
    if (diffIds[i] !== `sha256:${lm.sha256}`) fail(`layer ${layer} has sha256 ${lm.sha256}, config says ${diffIds[i]}`);
    if (layer.split('/')[0] !== lm.sha256) fail(`layer ${layer} is not named by its digest`);
    await verifyLayerTar(output, file, layer);
  }
  if (!members.has('repositories')) fail('repositories is missing');
}
