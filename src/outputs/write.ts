/**
 * writeOutputs: what the pipeline calls. Plans the -t list, checks everything it can before the
 * first byte is written, shrinks the raw image when asked, then for each format: write and
 * verify into a temporary file, compress it (raw/tar, when asked), hash it into temporary
 * checksum files, and commit them all (commit.ts: OVERWRITE_OLD_IMAGE, then atomic renames).
 * A build holds the output lock (lock.ts) around this; without it, concurrent writers of the
 * same name still never leave a torn file or a mismatched checksum, but may race on backups.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { KilnError, throwIfProblems } from '../errors.js';
import { checksumPath, stageChecksums } from './checksum.js';
import { commitOutput } from './commit.js';
import { COMPRESSIBLE_FORMATS, compressOutput, compressionSuffix } from './compress.js';
import { ociRefName, parseImageRef } from './image-config.js';
import { outputPath } from './paths.js';
import { parsePushTarget, pushImage, pushSource } from './push.js';
import { planOutputs } from './registry.js';
import { shrinkRawImage } from './shrink.js';
import { TempFiles } from './temp.js';
import type { OutputFormat, OutputRequest, ToolNeed } from './types.js';

export interface OutputResult {
  format: string;
  files: string[];
  checksums: string[];
  kept: string[];
}

/** Host tools the outputs need, for preflight (deduplicated by tool). */
export function outputTools(req: OutputRequest, types: string[]): ToolNeed[] {
  const needs = planOutputs(types).flatMap((f) => f.tools(req));
  if (req.shrink) {
    for (const tool of ['e2fsck', 'resize2fs', 'dumpe2fs', 'sfdisk', 'dd']) needs.push({ tool, why: 'shrink the raw image' });
  }
  if (req.compression) needs.push({ tool: req.compression, why: `compress raw/tar outputs (${req.compression})` });
  if (req.push) needs.push({ tool: 'skopeo', why: `--push: copies the image to ${req.push}` });
  const seen = new Set<string>();
  return needs.filter((n) => {
    if (seen.has(n.tool)) return false;
    seen.add(n.tool);
    return true;
  });
}

/**
 * What can be checked of the outputs without writing them: a disk for disk formats, the docker
 * and OCI names. `hasDisk`: the build makes a disk image (before it exists, preflight says so).
 */
export function checkOutputRequest(
  req: Pick<OutputRequest, 'rawImage' | 'dockerTarget' | 'imageName' | 'push'>,
  plan: OutputFormat[],
  hasDisk = !!req.rawImage,
): void {
  const problems: KilnError[] = [];
  const disk = plan.filter((f) => f.needs === 'disk').map((f) => f.name);
  if (disk.length > 0 && !hasDisk) {
    problems.push(
      new KilnError(`output type${disk.length > 1 ? 's' : ''} ${disk.join(', ')} need a disk image, but this build made none`, {
        hint: 'use a tree format (tar, tgz, docker, oci, squash), or a build with a block-device layout',
      }),
    );
  }
  if (plan.some((f) => f.name === 'docker')) {
    try {
      parseImageRef(req.dockerTarget, 'docker');
    } catch (e) {
      problems.push(e as KilnError);
    }
  }
  if (plan.some((f) => f.name === 'oci')) {
    try {
      parseImageRef(ociRefName(req), 'oci');
    } catch (e) {
      problems.push(e as KilnError);
    }
  }
  if (req.push !== undefined) {
    try {
      parsePushTarget(req.push);
      if (!pushSource(plan)) {
        throw new KilnError(`--push ${req.push} copies a container image, but the build writes none`, { where: '--push', hint: 'add -t oci (or -t docker)' });
      }
    } catch (e) {
      problems.push(e as KilnError);
    }
  }
  throwIfProblems('the outputs cannot be written', problems);
}

export async function writeOutputs(req: OutputRequest, types: string[], now: Date = new Date()): Promise<OutputResult[]> {
  const plan = planOutputs(types);
  checkOutputRequest(req, plan);
  if (req.compression && !plan.some((f) => COMPRESSIBLE_FORMATS.includes(f.name))) {
    req.log.warn(`compression ${req.compression} applies to raw and tar outputs only; none was requested`);
  }
  if (req.shrink && !plan.some((f) => f.needs === 'disk')) req.log.warn('shrink applies to disk outputs only; none was requested');
  try {
    mkdirSync(req.outDir, { recursive: true });
  } catch (e) {
    throw new KilnError(`cannot create the output directory ${req.outDir}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, {
      where: '-o',
      hint: 'give -o a path in a directory you can write to',
    });
  }
  if (req.shrink && req.rawImage && plan.some((f) => f.needs === 'disk')) {
    const { before, after } = await shrinkRawImage(req.runner, req.rawImage, req.epoch);
    req.log.info(`shrank ${req.rawImage} from ${before} to ${after} bytes`);
  }
  const results: OutputResult[] = [];
  for (const f of plan) results.push(await writeOne(req, f, now));
  if (req.push !== undefined) {
    const format = pushSource(plan)!;
    const file = results.find((r) => r.format === format)!.files[0]!;
    const target = parsePushTarget(req.push);
    await pushImage(req.runner, format, file, ociRefName(req), target);
    req.log.info(`pushed ${file} to ${target.ref}`);
  }
  return results;
}

async function writeOne(req: OutputRequest, f: OutputFormat, now: Date): Promise<OutputResult> {
  const temps = new TempFiles(req.outDir, req.imageName);
  try {
    let ext = f.extension;
    const target = { final: outputPath(req, ext), file: temps.create(ext), temp: (p: string) => temps.create(`${f.extension}.${p}`) };
    await f.write(req, target);
    let file = target.file;
    if (req.compression && COMPRESSIBLE_FORMATS.includes(f.name)) {
      ext = `${ext}.${compressionSuffix(req.compression)}`;
      const compressed = temps.create(ext);
      await compressOutput(req.runner, file, compressed, req.compression, outputPath(req, ext));
      rmSync(file, { force: true }); // as zstd --rm: only the compressed output is kept
      file = compressed;
    }
    const final = outputPath(req, ext);
    const checksums = await stageChecksums(file, final, req.checksums, (a) => temps.create(`${ext}.${a}`));
    const kept = commitOutput(
      { file, final, checksums },
      {
        imageName: req.imageName,
        overwrite: req.overwrite === true,
        now,
        temp: (t) => temps.create(`${ext}.${t}`),
      },
    );
    for (const k of kept) req.log.info(`kept the previous output as ${k}`);
    req.log.info(`wrote ${final}`);
    return { format: f.name, files: [final], checksums: checksums.map((c) => checksumPath(final, c.algorithm)), kept };
  } finally {
    temps.removeAll();
  }
}
