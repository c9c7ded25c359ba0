/**
 * Golden BlockDevicePlans (tests/fixtures/block-device/golden/*.json; UPDATE_GOLDEN=1 rewrites):
 * every shipped layout, the fallback, and layouts with many GPT partitions, MBR logicals and LVM
 * (one PV, several PVs, spanned VG, two VGs, %VG). Also: the tree and graph forms plan the same.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { planBlockDevice } from '../../../src/block-device/plan.js';
import type { BlockDevicePlan } from '../../../src/block-device/common/plan-types.js';
import { FALLBACK_CONFIG } from '../../../src/block-device/select-config.js';
import { BD_FIXTURES, GiB, planFile, type TestPlanOptions } from '../../helpers/block-device.js';

const params = { rootFsType: 'ext4', rootLabel: null };
// DIB's own test layouts (tests/fixtures/block-device/dib) predate xfsprogs' 300 MiB minimum: plan-only
const cases: [string, string, TestPlanOptions][] = [
  ['shipped-mbr', 'block-device/mbr.yaml', { imageSizeBytes: 2 * GiB, params }],
  ['shipped-gpt', 'block-device/gpt.yaml', { imageSizeBytes: 2 * GiB, params }],
  ['shipped-efi', 'block-device/efi.yaml', { imageSizeBytes: 2 * GiB, params }],
  ['shipped-efi-4k', 'block-device/efi-4k.yaml', { imageSizeBytes: 2 * GiB, params }],
  ['shipped-efi-lvm', 'block-device/efi-lvm.yaml', { imageSizeBytes: 41 * GiB, params }],
  ['gpt-many', 'tests/fixtures/block-device/layouts/gpt-many.yaml', { params: { rootFsType: 'ext4', rootLabel: 'root' } }],
  ['mbr-logical', 'tests/fixtures/block-device/layouts/mbr-logical.yaml', { params }],
  ['lvm-one-pv', 'tests/fixtures/block-device/layouts/lvm-one-pv.yaml', { params }],
  ['lvm-percent-vg', 'tests/fixtures/block-device/layouts/lvm-percent-vg.yaml', { params, fstabBy: 'uuid' }],
  ['lvm-multiple-pv', 'tests/fixtures/block-device/dib/lvm_tree_multiple_pv.yaml', { imageSizeBytes: 6 * GiB, params, xfsMinBytes: 0 }],
  ['lvm-two-vgs', 'tests/fixtures/block-device/dib/lvm_tree_multiple_pv_vg.yaml', { imageSizeBytes: 6 * GiB, params, xfsMinBytes: 0 }],
  ['lvm-spanned-vg', 'tests/fixtures/block-device/dib/lvm_tree_spanned_vg.yaml', { imageSizeBytes: 6 * GiB, params, xfsMinBytes: 0 }],
  ['lvm-partition-ordering', 'tests/fixtures/block-device/dib/lvm_tree_partition_ordering.yaml', { imageSizeBytes: 6 * GiB, params, xfsMinBytes: 0 }],
  ['dib-gpt-efi', 'tests/fixtures/block-device/dib/gpt_efi.yaml', { imageSizeBytes: GiB, params }],
];

function check(name: string, plan: BlockDevicePlan): void {
  const dir = join(BD_FIXTURES, 'golden');
  const file = join(dir, `${name}.json`);
  const text = `${JSON.stringify(plan, null, 2)}\n`;
  if (process.env.UPDATE_GOLDEN === '1') {
    mkdirSync(dir, { recursive: true });
    writeFileSync(file, text);
  }
  assert.ok(existsSync(file), `golden file golden/${name}.json is missing (UPDATE_GOLDEN=1 writes it)`);
  assert.equal(text, readFileSync(file, 'utf8'), `plan differs from golden/${name}.json (UPDATE_GOLDEN=1 rewrites it)`);
}

describe('golden plans', () => {
  for (const [name, file, opts] of cases) it(name, () => check(name, planFile(file, opts)));
  it('fallback (bare filesystem, measured size)', () =>
    check('fallback', planBlockDevice({ text: FALLBACK_CONFIG, file: 'fallback' }, { seed: 'test', params, tree: { usedKiB: 600_000 } })));
});

const strip = (p: BlockDevicePlan): unknown => JSON.parse(JSON.stringify({ ...p, source: '' }, (k, v) => (k === 'where' ? undefined : v)));

describe('tree and graph forms give the same plan', () => {
  for (const [tree, graph] of [
    ['deep_tree', 'deep_graph'],
    ['multiple_partitions_tree', 'multiple_partitions_graph'],
    ['lvm_tree', 'lvm_graph'],
  ]) {
    it(`${tree} = ${graph}`, () => {
      const o = { imageSizeBytes: 10 * GiB, params, xfsMinBytes: 0 };
      const t = planFile(`tests/fixtures/block-device/dib/${tree}.yaml`, o);
      const g = planFile(`tests/fixtures/block-device/dib/${graph}.yaml`, o);
      assert.deepEqual(strip(t), strip(g));
      assert.ok(t.filesystems.length > 0);
    });
  }
  it('shipped efi-lvm = its graph form', () => {
    const o = { imageSizeBytes: 41 * GiB, params };
    assert.deepEqual(strip(planFile('tests/fixtures/block-device/layouts/efi-lvm-graph.yaml', o)), strip(planFile('block-device/efi-lvm.yaml', o)));
  });
});
