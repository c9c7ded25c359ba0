/**
 * The outputs stage: every format of -t written from the raw image (or the tree), verified,
 * checksummed and renamed into place together (src/outputs). outputRequest() is also what preflight
 * asks for the formats' tools.
 */
import type { BuildConfig } from '../config/build-config.js';
import { Runner } from '../exec/runner.js';
import { silentLogger } from '../log.js';
import { type OutputRequest, outputFormat, writeOutputs } from '../outputs/index.js';
import { currentIdentity } from '../sandbox/identity.js';
import type { Build } from './build.js';
import { needsDisk } from './plan.js';

/** The request for src/outputs; without a build (preflight), one with no tree or image yet. */
export function outputRequest(config: BuildConfig, ctx?: Build, rawImage?: string): OutputRequest {
  return {
    imageName: config.imageName,
    outDir: config.outDir,
    tree: ctx?.ws.tree ?? '',
    arch: config.arch,
    epoch: ctx?.epoch ?? config.epoch,
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
    ...(config.push ? { push: config.push } : {}),
    ...(config.compression ? { compression: config.compression } : {}),
    ...(config.shrink ? { shrink: true } : {}),
  };
}

export async function writeBuildOutputs(b: Build): Promise<void> {
  const results = await writeOutputs(outputRequest(b.config, b, needsDisk(b.config) ? b.rawImage : undefined), b.config.imageTypes);
  for (const r of results) b.outputs.push(...r.files, ...r.checksums);
  b.diskOutputs = results.filter((r) => outputFormat(r.format).needs === 'disk').flatMap((r) => r.files);
}
