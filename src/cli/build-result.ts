/**
 * `--json` on disk-image-create and kiln build: the build's result as one JSON document on stdout,
 * in the shape of schemas/build-result.json: every output with its size and sha256 (read back from
 * the file), the element set, each step's time, and the manifests saved beside the image.
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { BuildReport } from '../build/pipeline.js';
import type { BuildConfig } from '../config/build-config.js';
import { kilnVersion } from './paths.js';

export const BUILD_RESULT_VERSION = 1;

export interface BuildResult {
  kilnVersion: string;
  resultVersion: number;
  imageName: string;
  outDir: string;
  arch: string;
  requestedElements: string[];
  elements: string[];
  outputs: { path: string; type: string; sizeBytes: number; allocatedBytes: number; sha256: string }[];
  steps: { id: string; title: string; startSeconds: number; seconds: number }[];
  hooks: { phase: string; script: string; element: string; startSeconds: number; seconds: number; ok: boolean }[];
  totalSeconds: number;
  /** NAME.d/dib-manifests, when the manifests element saved it (null otherwise) */
  manifests: { dir: string; files: string[]; packages: string | null } | null;
  /** NAME.d/report.html and NAME.d/sbom.spdx.json (null when they could not be written) */
  report: { html: string; sbom: string } | null;
}

async function sha256(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

/** The output's type from its name: NAME.qcow2 -> qcow2, NAME.tar.xz -> tar.xz. */
function outputType(config: BuildConfig, path: string): string {
  const base = path.slice(path.lastIndexOf('/') + 1);
  return base.startsWith(`${config.imageName}.`) ? base.slice(config.imageName.length + 1) : base;
}

export async function buildResult(config: BuildConfig, report: BuildReport): Promise<BuildResult> {
  const outputs: BuildResult['outputs'] = [];
  for (const path of report.outputs) {
    const st = statSync(path);
    outputs.push({ path, type: outputType(config, path), sizeBytes: st.size, allocatedBytes: st.blocks * 512, sha256: await sha256(path) });
  }
  const dir = join(config.outDir, `${config.imageName}.d`, 'dib-manifests');
  const files = existsSync(dir) ? readdirSync(dir).sort() : [];
  const packages = files.find((f) => f.startsWith('dib-manifest-dpkg-') || f.startsWith('dib-manifest-rpm-'));
  return {
    kilnVersion: kilnVersion(),
    resultVersion: BUILD_RESULT_VERSION,
    imageName: config.imageName,
    outDir: config.outDir,
    arch: config.arch,
    requestedElements: [...config.elements],
    elements: report.elements,
    outputs,
    steps: report.steps.map((s) => ({ id: s.id, title: s.title, startSeconds: s.startMs / 1000, seconds: s.ms / 1000 })),
    hooks: report.hooks.map((h) => ({ phase: h.phase, script: h.script, element: h.element, startSeconds: h.startMs / 1000, seconds: h.ms / 1000, ok: h.ok })),
    totalSeconds: report.totalMs / 1000,
    manifests: existsSync(dir) ? { dir, files, packages: packages ? join(dir, packages) : null } : null,
    report: report.report ? { html: report.report.report, sbom: report.report.sbom } : null,
  };
}
