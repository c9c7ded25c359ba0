/** The node-handler registry: one handler per plugin, every graph-node kind owned by exactly one. */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadResolvedConfig } from '../../../../src/block-device/plan.js';
import { HANDLER_OF, HANDLER_OF_KIND, HANDLERS, KIND_NAMES } from '../../../../src/block-device/graph/registry.js';
import { PLUGINS } from '../../../../src/block-device/graph/tree-to-graph.js';
import type { NodeContext } from '../../../../src/block-device/graph/types.js';
import { REPO } from '../../../helpers/block-device.js';

test('each plugin has its own handler, in DIB level order', () => {
  assert.deepEqual(
    HANDLERS.map((h) => h.plugin),
    [...PLUGINS],
  );
  for (const p of PLUGINS) assert.equal(HANDLER_OF[p].plugin, p);
});

test('no two handlers make the same kind of graph node', () => {
  const kinds = HANDLERS.flatMap((h) => Object.keys(h.kinds));
  assert.equal(new Set(kinds).size, kinds.length, kinds.join(' '));
});

test('every graph node of the shipped and test layouts has its handler and a name for messages', () => {
  const dirs = ['block-device', 'tests/fixtures/block-device/layouts', 'tests/fixtures/block-device/dib'];
  const seen = new Set<string>();
  for (const d of dirs) {
    for (const f of readdirSync(join(REPO, d)).filter((x) => x.endsWith('.yaml'))) {
      const ctx: NodeContext = { problems: [], warnings: [] };
      const r = loadResolvedConfig({ text: readFileSync(join(REPO, d, f), 'utf8'), file: f }, undefined, ctx);
      for (const n of r.nodes.values()) {
        seen.add(n.kind);
        assert.ok(HANDLER_OF_KIND[n.kind]?.kinds, `${f}: no handler makes ${n.kind} nodes`);
        assert.ok(KIND_NAMES[n.kind], `${f}: no message name for ${n.kind}`);
      }
    }
  }
  assert.deepEqual([...seen].sort(), ['fstab', 'image', 'lv', 'lvm', 'mkfs', 'mount', 'partition', 'pv', 'vg']);
});
