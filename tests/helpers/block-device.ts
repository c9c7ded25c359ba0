/** Shared by the block-device tests: repo paths and a planner shortcut. */
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { planBlockDevice, type PlanOptions } from '../../src/block-device/plan.js';
import type { BlockDevicePlan } from '../../src/block-device/plan-types.js';

/** dist/tests/helpers -> repo root */
export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const BD_FIXTURES = join(REPO, 'tests/fixtures/block-device');
export const DIB_PY = '/usr/lib/python3/dist-packages/diskimage_builder';

export const GiB = 1024 ** 3;
export const MiB = 1024 ** 2;

/** Plan a file, naming it relative to the repo so file:line in plans and errors is stable. */
export function planFile(path: string, opts: PlanOptions = {}): BlockDevicePlan {
  const abs = resolve(REPO, path);
  return planBlockDevice({ text: readFileSync(abs, 'utf8'), file: relative(REPO, abs) }, { seed: 'test', ...opts });
}

export function planText(text: string, opts: PlanOptions = {}, file = 'test.yaml'): BlockDevicePlan {
  return planBlockDevice({ text, file }, { seed: 'test', ...opts });
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
