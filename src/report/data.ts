/**
 * What a build report shows: the facts the build collected (the sized layout and each filesystem's
 * content, the installed packages, the step and hook timings, a boot test) as one JSON value. It is
 * embedded in report.html, so `kiln boot-test` can read it back and render the page again.
 */
import type { BlockDevicePlan } from '../block-device/common/plan-types.js';
import type { PackageList } from './packages.js';

export const REPORT_FILE = 'report.html';
export const REPORT_DATA_VERSION = 1;

export interface StepTiming {
  id: string;
  title: string;
  /** from the build's start */
  startMs: number;
  ms: number;
}

export interface HookTiming {
  phase: string;
  script: string;
  element: string;
  startMs: number;
  ms: number;
  ok: boolean;
}

export interface BootTestRecord {
  ok: boolean;
  /** the image that was booted (its file name) */
  image: string;
  /** when the test ended (ISO 8601) */
  at: string;
  seconds: number;
  firmware?: 'BIOS' | 'UEFI';
  accel?: string;
  format?: string;
  expect: string;
  /** why it failed */
  error?: string;
  /** who ran it: the build (--boot-test) or kiln boot-test */
  by: 'build' | 'kiln boot-test';
}

/** Facts a build's steps record for the report (Build.facts). */
export interface BuildFacts {
  layout?: BlockDevicePlan;
  /** KiB of files each filesystem was made from (du of its part of the tree), by mkfs node name */
  filesystemUsedKiB?: Record<string, number>;
  packages?: PackageList | null;
  os?: { id: string; versionId: string; prettyName: string } | null;
  bootTest?: BootTestRecord;
}

export interface ReportData {
  reportVersion: number;
  kilnVersion: string;
  imageName: string;
  arch: string;
  /** when the build ended (ISO 8601): the report records the build's run */
  finished: string;
  requestedElements: string[];
  elements: string[];
  outputs: { file: string; sizeBytes: number }[];
  layout: BlockDevicePlan | null;
  filesystemUsedKiB: Record<string, number>;
  steps: StepTiming[];
  hooks: HookTiming[];
  totalMs: number;
  os: { id: string; versionId: string; prettyName: string } | null;
  packages: PackageList | null;
  /** files of NAME.d/dib-manifests (relative to NAME.d) */
  manifests: string[];
  /** the SBOM file (relative to NAME.d) */
  sbom: string;
  bootTest: BootTestRecord | null;
}
