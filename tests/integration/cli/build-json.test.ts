// --json on disk-image-create and kiln build: stdout is one JSON document that validates against
// schemas/build-result.json, and its facts are those of the files (stat, sha256sum, qemu-img).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { REPO, runCli } from '../../helpers/cli.js';
import { validate } from '../../helpers/json-schema.js';

const schema = JSON.parse(readFileSync(join(REPO, 'schemas/build-result.json'), 'utf8')) as Record<string, unknown>;

interface Result {
  elements: string[];
  outputs: { path: string; type: string; sizeBytes: number; allocatedBytes: number; sha256: string }[];
  steps: { id: string; startSeconds: number; seconds: number }[];
  hooks: { phase: string; script: string; element: string; startSeconds: number; seconds: number; ok: boolean }[];
  totalSeconds: number;
  manifests: { dir: string; files: string[] } | null;
}

describe('--json build result', () => {
  const out = mkdtempSync(join(tmpdir(), 'kiln-json-'));
  after(() => rmSync(out, { recursive: true, force: true }));

  it('disk-image-create --json: valid, with the outputs as the files are', () => {
    const r = runCli('disk-image-create', ['-n', 'busybox-minimal', 'manifests', '-t', 'tar,raw,qcow2', '-o', join(out, 'bb'), '--json'], {
      env: { TMP_DIR: out },
    });
    assert.equal(r.status, 0, r.stderr);
    const j = JSON.parse(r.stdout) as Result; // stdout is the document and nothing else
    assert.deepEqual(validate(schema, j), []);
    assert.match(r.stderr, /Timings \(seconds\):/, 'the timings stay on stderr');
    assert.deepEqual(j.outputs.map((o) => o.type).sort(), ['qcow2', 'raw', 'tar']);
    for (const o of j.outputs) {
      const st = statSync(o.path);
      assert.equal(o.sizeBytes, st.size, o.path);
      assert.equal(o.allocatedBytes, st.blocks * 512, o.path);
      assert.equal(o.sha256, spawnSync('sha256sum', [o.path], { encoding: 'utf8' }).stdout.split(' ')[0], o.path);
    }
    const qcow2 = j.outputs.find((o) => o.type === 'qcow2')!;
    assert.equal((JSON.parse(spawnSync('qemu-img', ['info', '--output=json', qcow2.path], { encoding: 'utf8' }).stdout) as { format: string }).format, 'qcow2');
    assert.ok(j.elements.includes('busybox-minimal') && j.elements.includes('manifests'), j.elements.join(' '));
    assert.ok(j.steps.some((s) => s.id === 'install.d') && j.steps.some((s) => s.id === 'outputs'));
    // busybox-minimal's root.d hook, timed within its phase
    const rootd = j.steps.find((s) => s.id === 'root.d')!;
    const hook = j.hooks.find((h) => h.phase === 'root.d' && h.element === 'busybox-minimal');
    assert.ok(hook?.ok, JSON.stringify(j.hooks));
    assert.ok(
      hook.startSeconds >= rootd.startSeconds - 0.01 && hook.startSeconds + hook.seconds <= rootd.startSeconds + rootd.seconds + 0.01,
      JSON.stringify([rootd, hook]),
    );
    const sum = j.steps.reduce((a, s) => a + s.seconds, 0);
    assert.ok(sum <= j.totalSeconds + 0.01, `steps ${sum} s within the total ${j.totalSeconds} s`);
    assert.ok(j.manifests, 'the manifests element saved NAME.d/dib-manifests');
    assert.equal(j.manifests.dir, join(out, 'bb.d', 'dib-manifests'));
    for (const f of j.manifests.files) assert.ok(existsSync(join(j.manifests.dir, f)), f);
    assert.ok(j.manifests.files.includes('dib_arguments'));
  });

  it('kiln build --json: the same document; without manifests, null', () => {
    const r = runCli('kiln', ['build', '-n', 'busybox-minimal', '-t', 'tar', '-o', join(out, 'k'), '--json'], { env: { TMP_DIR: out } });
    assert.equal(r.status, 0, r.stderr);
    const j = JSON.parse(r.stdout) as Result;
    assert.deepEqual(validate(schema, j), []);
    assert.equal(j.manifests, null);
    assert.equal(j.outputs.length, 1);
  });

  it('the validator rejects what the schema forbids', () => {
    const bad = { outputs: [{ path: 'rel', type: 'tar', sizeBytes: -1, allocatedBytes: 1.5, sha256: 'x' }], extra: 1 };
    const problems = validate(schema, bad);
    for (const p of [
      '$: kilnVersion is missing',
      '$: unexpected property extra',
      '$.outputs[0].path:',
      '$.outputs[0].sizeBytes: -1 < 0',
      '$.outputs[0].allocatedBytes: number, expected integer',
      '$.outputs[0].sha256:',
    ]) {
      assert.ok(
        problems.some((x) => x.startsWith(p)),
        `${p} in ${problems.join('; ')}`,
      );
    }
  });
});
