/** Shared by the block-device tests: repo paths and a planner shortcut. */
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { planBlockDevice, type PlanOptions } from '../../src/block-device/plan.js';
import type { BlockDevicePlan, PartitionTablePlan } from '../../src/block-device/common/plan-types.js';
import { bytes } from '../../src/units.js';

/** dist/tests/helpers -> repo root */
export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const BD_FIXTURES = join(REPO, 'tests/fixtures/block-device');
export { DIB_PY } from './dib-oracle.js';

export const GiB = 1024 ** 3;
export const MiB = 1024 ** 2;

/** PlanOptions with the image size as a plain number of bytes (made a `Bytes` by planOptions). */
export type TestPlanOptions = Omit<PlanOptions, 'imageSizeBytes'> & { imageSizeBytes?: number };

export function planOptions(o: TestPlanOptions): PlanOptions {
  const { imageSizeBytes, ...rest } = o;
  return imageSizeBytes === undefined ? rest : { ...rest, imageSizeBytes: bytes(imageSizeBytes) };
}

/** Plan a file, naming it relative to the repo so file:line in plans and errors is stable. */
export function planFile(path: string, opts: TestPlanOptions = {}): BlockDevicePlan {
  const abs = resolve(REPO, path);
  return planBlockDevice({ text: readFileSync(abs, 'utf8'), file: relative(REPO, abs) }, { seed: 'test', ...planOptions(opts) });
}

export function planText(text: string, opts: TestPlanOptions = {}, file = 'test.yaml'): BlockDevicePlan {
  return planBlockDevice({ text, file }, { seed: 'test', ...planOptions(opts) });
}

/** Error message (with every problem) thrown by fn. */
export function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    const err = e as Error & { where?: string; hint?: string };
    return `${err.where ? `${err.where}: ` : ''}${err.message}`;
  }
  throw new Error('expected an error, got none');
}

/** A 1-table MBR layout for the MBR tests: each partition primary or logical, 10MiB-style sizes. */
export interface MbrTestPartition {
  primary: boolean;
  boot?: boolean;
  size: string;
  type?: string;
}

export function mbrTestLayout(parts: MbrTestPartition[], size: string): string {
  return `- local_loop:\n    name: image0\n    size: ${size}\n- partitioning:\n    base: image0\n    label: mbr\n    partitions:\n${parts
    .map(
      (p, i) =>
        `      - name: p${i}\n        size: '${p.size}'\n        flags: [${[p.primary ? 'primary' : '', p.boot ? 'boot' : ''].filter(Boolean).join(', ')}]\n${p.type ? `        type: '${p.type}'\n` : ''}`,
    )
    .join('')}`;
}

export function mbrTestTable(parts: MbrTestPartition[], size = '1GiB'): PartitionTablePlan {
  return planText(mbrTestLayout(parts, size)).partitionTables[0]!;
}
