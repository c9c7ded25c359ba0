/** Tree -> graph conversion against DIB's own test configs (test_config.py, test_lvm.py). */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { KilnError } from '../../../../src/errors.js';
import { parseYamlWithLines } from '../../../../src/block-device/graph/parse-yaml.js';
import { configTreeToGraph, formatGraph } from '../../../../src/block-device/graph/tree-to-graph.js';
import { BD_FIXTURES, planFile, GiB } from '../../../helpers/block-device.js';

function graphOf(name: string): { graph: Record<string, unknown>[]; problems: KilnError[] } {
  const file = join(BD_FIXTURES, 'dib', `${name}.yaml`);
  const problems: KilnError[] = [];
  const g = configTreeToGraph(parseYamlWithLines(readFileSync(file, 'utf8'), `${name}.yaml`), problems);
  return { graph: formatGraph(g), problems };
}

const canon = (g: Record<string, unknown>[]): string[] => g.map((e) => JSON.stringify(e, Object.keys(flatKeys(e)).sort())).sort();
function flatKeys(o: unknown, acc: Record<string, true> = {}): Record<string, true> {
  if (Array.isArray(o)) for (const x of o) flatKeys(x, acc);
  else if (o && typeof o === 'object')
    for (const [k, v] of Object.entries(o)) {
      acc[k] = true;
      flatKeys(v, acc);
    }
  return acc;
}

describe('configTreeToGraph', () => {
  for (const [tree, graph] of [
    ['simple_tree', 'simple_graph'],
    ['deep_tree', 'deep_graph'],
    ['multiple_partitions_tree', 'multiple_partitions_graph'],
    ['lvm_tree', 'lvm_graph'],
  ]) {
    it(`${tree} equals ${graph} (order-insensitive, as DIB tests it)`, () => {
      const t = graphOf(tree!);
      const g = graphOf(graph!);
      assert.deepEqual(t.problems, []);
      assert.deepEqual(canon(t.graph), canon(g.graph));
    });
  }
  it('is idempotent on graph input', () => {
    const g = graphOf('deep_graph').graph;
    const yaml = JSON.stringify(g);
    const problems: KilnError[] = [];
    const again = formatGraph(configTreeToGraph(parseYamlWithLines(yaml, 'x.json'), problems));
    assert.deepEqual(canon(again), canon(g));
  });
  it('auto-names nested nodes <plugin>_<base>', () => {
    const names = graphOf('deep_tree').graph.map((e) => (Object.values(e)[0] as { name: string }).name);
    assert.deepEqual(names.sort(), ['fstab_mount_mkfs_root', 'image0', 'mbr', 'mkfs_root', 'mount_mkfs_root'].sort());
  });
  it('bad plugin and multi-key entries are reported with DIB messages', () => {
    assert.match(graphOf('bad_plugin').problems[0]!.message, /^Config entry is not a plugin value: /);
    assert.match(graphOf('multi_key_node').problems[0]!.message, /^Config entry top-level should be a single dict: /);
  });
  it("deep graph call order is DIB's", () => {
    const p = planFile('tests/fixtures/block-device/dib/deep_graph.yaml', { imageSizeBytes: GiB, params: { rootFsType: 'ext4', rootLabel: null } });
    assert.deepEqual(p.callOrder, ['image0', 'root', 'mkfs_root', 'mount_mkfs_root', 'fstab_mount_mkfs_root']);
  });
  it('multiple partitions: root before var before var_log, each mkfs after its partition', () => {
    const o = planFile('tests/fixtures/block-device/dib/multiple_partitions_graph.yaml', {
      imageSizeBytes: 4 * GiB,
      params: { rootFsType: 'ext4', rootLabel: null },
    }).callOrder;
    const at = (n: string) => o.indexOf(n);
    assert.ok(at('root') < at('var') && at('var') < at('var_log'));
    for (const [fs, part] of [
      ['mkfs_root', 'root'],
      ['mkfs_var', 'var'],
      ['mkfs_var_log', 'var_log'],
    ])
      assert.ok(at(part!) < at(fs!), `${part} before ${fs}`);
  });
});
