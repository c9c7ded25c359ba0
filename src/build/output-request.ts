/** The OutputRequest of a build, from its config and context. */
import type { BuildConfig } from '../config/build-config.js';
import type { BuildContext } from '../context.js';
import { Runner } from '../exec/runner.js';
import { silentLogger } from '../log.js';
import type { OutputRequest } from '../outputs/index.js';
import { currentIdentity } from '../sandbox/identity.js';

export function outputRequest(config: BuildConfig, ctx?: BuildContext, rawImage?: string): OutputRequest {
  return {
    imageName: config.imageName,
    outDir: config.outDir,
    tree: ctx?.ws.tree ?? '',
    arch: config.arch,
    epoch: config.epoch,
    compress: config.compress,
    checksums: config.checksums,
    overwrite: config.overwrite,
    vhdSubformat: config.vhdSubformat,
    squashCompression: config.squashCompression,
    gzipBin: config.gzipBin,
    ...(config.qcow2Compression ? { qcow2Compression: config.qcow2Compression } : {}),
    runner: ctx?.runner ?? new Runner(),
    log: ctx?.log ?? silentLogger,
    identity: ctx?.identity ?? currentIdentity(),
    ...(rawImage ? { rawImage, moveRaw: true } : {}),
    ...(config.qemuImgOptions ? { qemuImgOptions: config.qemuImgOptions } : {}),
    ...(config.dockerTarget ? { dockerTarget: config.dockerTarget } : {}),
    ...(config.compression ? { compression: config.compression } : {}),
    ...(config.shrink ? { shrink: true } : {}),
  };
}
