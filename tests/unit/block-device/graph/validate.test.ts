/**
 * One failing fixture per validation rule (tests/fixtures/block-device/invalid/*.yaml): the header
 * says the expected message(s) (`# expect:`) and the file:line it must name (`# line:`); `# options:`
 * (JSON) adds planner options, for rules that hold only in some uses (requireRoot: a build).
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ValidationErrors } from '../../../../src/errors.js';
import { BD_FIXTURES, errorOf, GiB, planFile } from '../../../helpers/block-device.js';

const dir = join(BD_FIXTURES, 'invalid');
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.yaml'))
  .sort();

describe('invalid block-device configs', () => {
  it('there is a fixture per rule', () => assert.ok(files.length >= 35, `${files.length} fixtures`));
  for (const f of files) {
    it(f, () => {
      const text = readFileSync(join(dir, f), 'utf8');
      const expects = [...text.matchAll(/^# expect: (.*)$/gm)].map((m) => m[1]!);
      const line = /^# line: (\d+)$/m.exec(text)?.[1];
      const options = JSON.parse(/^# options: (.*)$/m.exec(text)?.[1] ?? '{}') as object;
      assert.ok(expects.length > 0 && line, 'fixture header names the expected message and line');
      const msg = errorOf(() =>
        planFile(`tests/fixtures/block-device/invalid/${f}`, { imageSizeBytes: GiB, params: { rootFsType: 'ext4', rootLabel: null }, ...options }),
      );
      for (const e of expects) assert.ok(msg.includes(e), `expected "${e}" in:\n${msg}`);
      assert.ok(msg.includes(`invalid/${f}:${line}`), `expected ${f}:${line} in:\n${msg}`);
    });
  }
  it('reports every problem at once', () => {
    try {
      planFile('tests/fixtures/block-device/invalid/many-problems.yaml', { imageSizeBytes: GiB });
      assert.fail('no error');
    } catch (e) {
      assert.ok(e instanceof ValidationErrors);
      assert.ok(e.problems.length >= 5, e.message);
      for (const p of e.problems) assert.match(p.where ?? '', /many-problems\.yaml:\d+$/);
    }
  });
  it('a layout without a root filesystem is valid when no tree goes into it', () => {
    const plan = planFile('tests/fixtures/block-device/invalid/no-root-mount.yaml', { imageSizeBytes: GiB });
    assert.deepEqual(
      plan.mounts.map((m) => m.mountPoint),
      ['/boot'],
    );
  });
  it('the unknown-type message lists the valid node types', () => {
    try {
      planFile('tests/fixtures/block-device/invalid/unknown-node-type.yaml', { imageSizeBytes: GiB });
    } catch (e) {
      assert.match((e as { hint?: string }).hint ?? '', /local_loop, partitioning, lvm, mkfs, mount, fstab/);
      return;
    }
    assert.fail('no error');
  });
});
