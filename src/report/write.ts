/**
 * Writing NAME.d/report.html and NAME.d/sbom.spdx.json beside a build's outputs, and adding a boot
 * test's result to the report of the image that was booted. Each file is written to a temporary name
 * and renamed, so a reader never sees half a page.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { BootTestRecord, BuildFacts, HookTiming, ReportData, StepTiming } from './data.js';
import { REPORT_DATA_VERSION, REPORT_FILE } from './data.js';
import { readReportData, renderReport } from './html.js';
import { makeSbom, SBOM_FILE } from './sbom.js';

export interface BuildReportInput {
  kilnVersion: string;
  imageName: string;
  outDir: string;
  arch: string;
  epoch: number;
  requestedElements: string[];
  elements: string[];
  outputs: string[];
  steps: StepTiming[];
  hooks: HookTiming[];
  totalMs: number;
  facts: BuildFacts;
}

export interface ReportFiles {
  report: string;
  sbom: string;
}

function writeAtomically(path: string, text: string): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

/** NAME.d, where the manifests element saves its files too. */
export function reportDir(outDir: string, imageName: string): string {
  return join(outDir, `${imageName}.d`);
}

export function writeBuildReport(i: BuildReportInput): ReportFiles {
  const dir = reportDir(i.outDir, i.imageName);
  mkdirSync(dir, { recursive: true });
  const f = i.facts;
  const sbom = makeSbom({
    imageName: i.imageName,
    arch: i.arch,
    kilnVersion: i.kilnVersion,
    epoch: i.epoch,
    packages: f.packages ?? null,
    ...(f.os?.id ? { distroId: f.os.id } : {}),
    ...(f.os?.versionId ? { distroVersion: f.os.versionId } : {}),
  });
  const manifestsDir = join(dir, 'dib-manifests');
  const data: ReportData = {
    reportVersion: REPORT_DATA_VERSION,
    kilnVersion: i.kilnVersion,
    imageName: i.imageName,
    arch: i.arch,
    finished: new Date().toISOString(),
    requestedElements: i.requestedElements,
    elements: i.elements,
    outputs: i.outputs.map((o) => ({ file: basename(o), sizeBytes: statSync(o).size })),
    layout: f.layout ?? null,
    filesystemUsedKiB: f.filesystemUsedKiB ?? {},
    steps: i.steps,
    hooks: i.hooks,
    totalMs: i.totalMs,
    os: f.os ?? null,
    packages: f.packages ?? null,
    manifests: existsSync(manifestsDir)
      ? readdirSync(manifestsDir)
          .sort()
          .map((m) => `dib-manifests/${m}`)
      : [],
    sbom: SBOM_FILE,
    bootTest: f.bootTest ?? null,
  };
  const files = { report: join(dir, REPORT_FILE), sbom: join(dir, SBOM_FILE) };
  writeAtomically(files.sbom, `${JSON.stringify(sbom, null, 2)}\n`);
  writeAtomically(files.report, renderReport(data));
  return files;
}

/**
 * The report of a built image: NAME.d/report.html beside IMAGE, where NAME is the image's file name
 * without one or more extensions (NAME.qcow2, NAME.raw, NAME.x.vhd). Undefined when there is none.
 */
export function reportOfImage(image: string): string | undefined {
  const dir = dirname(image);
  let name = basename(image);
  for (let i = name.lastIndexOf('.'); i > 0; i = name.lastIndexOf('.')) {
    name = name.slice(0, i);
    const p = join(reportDir(dir, name), REPORT_FILE);
    if (existsSync(p)) return p;
  }
  return undefined;
}

/** Put a boot test's result into a report.html (rendered again from the data it carries). False: not a Kiln report. */
export function recordBootTest(reportPath: string, result: BootTestRecord): boolean {
  const data = readReportData(readFileSync(reportPath, 'utf8'));
  if (!data) return false;
  writeAtomically(reportPath, renderReport({ ...data, bootTest: result }));
  return true;
}
