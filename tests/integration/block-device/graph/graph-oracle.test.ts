/**
 * Tree -> graph conversion against DIB's own config_tree_to_graph (run with the system python):
 * the same entries, in the same order, with the same auto-names, for every layout we ship or test.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { KilnError } from '../../../../src/errors.js';
import { parseYamlWithLines } from '../../../../src/block-device/graph/parse-yaml.js';
import { configTreeToGraph, formatGraph } from '../../../../src/block-device/graph/tree-to-graph.js';
import { DIB_PY, REPO } from '../../../helpers/block-device.js';
import { dibPython } from '../../../helpers/dib-oracle.js';

const have = existsSync(join(DIB_PY, 'block_device/config.py'));
const skip = !have && process.env.CI !== 'true' ? 'python3-diskimage-builder not installed' : false;
const PY = `import sys, json, yaml
from diskimage_builder.block_device.config import config_tree_to_graph
print(json.dumps(config_tree_to_graph(yaml.safe_load(open(sys.argv[1])))))`;

const dirs = ['block-device', 'tests/fixtures/block-device/layouts', 'tests/fixtures/block-device/dib'];
const BAD = new Set(['bad_plugin.yaml', 'multi_key_node.yaml', 'cmd_create.yaml', 'rollback.yaml']);
const files = dirs.flatMap((d) =>
  readdirSync(join(REPO, d))
    .filter((f) => f.endsWith('.yaml') && !BAD.has(f))
    .map((f) => join(d, f)),
);

describe('configTreeToGraph = DIB config_tree_to_graph', { skip }, () => {
  for (const f of files) {
    it(f, () => {
      const r = dibPython(['-c', PY, join(REPO, f)]);
      assert.equal(r.status, 0, r.stderr);
      const dib = JSON.parse(r.stdout) as unknown[];
      const problems: KilnError[] = [];
      const ours = formatGraph(configTreeToGraph(parseYamlWithLines(readFileSync(join(REPO, f), 'utf8'), f), problems));
      assert.deepEqual(problems, []);
      assert.deepEqual(ours, dib);
    });
  }
});
