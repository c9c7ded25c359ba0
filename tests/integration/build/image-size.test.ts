// The image size has one syntax at every entry point: --image-size and DIB_IMAGE_SIZE on
// disk-image-create, DIB_IMAGE_SIZE from an element's environment.d, and kiln plan block-device.
// A bare number is GiB (as DIB); a unit makes it a DIB size. Busybox builds: offline, about 1 s.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { makeElementTree } from '../../helpers/element-tree.js';
import { REPO, runCli } from '../../helpers/cli.js';

const tmp = mkdtempSync(join(tmpdir(), 'kiln-image-size-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
const MiB = 1024 ** 2;

const elements = makeElementTree(
  {
    'size-from-env-d': { files: { 'environment.d/10-size': 'export DIB_IMAGE_SIZE=80MiB\n' } },
    'bad-size-env-d': { files: { 'environment.d/10-size': 'export DIB_IMAGE_SIZE=roomy\n' } },
  },
  join(tmp, 'elements'),
);

function buildRaw(name: string, args: string[], env: Record<string, string> = {}) {
  const r = runCli('disk-image-create', ['-t', 'raw', '-o', join(tmp, name), ...args, 'busybox-minimal'], {
    env: { TMP_DIR: tmp, ELEMENTS_PATH: elements, ...env },
    timeoutMs: 120_000,
  });
  return { ...r, size: () => statSync(join(tmp, `${name}.raw`)).size };
}

describe('the image size, one syntax everywhere', () => {
  it('--image-size 64MiB and DIB_IMAGE_SIZE=64MiB give a 64 MiB disk; a bare 0.0625 is GiB', () => {
    for (const [name, args, env] of [
      ['flag', ['--image-size', '64MiB'], {}],
      ['env', [], { DIB_IMAGE_SIZE: '64MiB' }],
      ['gib', ['--image-size', '0.0625'], {}],
    ] as const) {
      const r = buildRaw(name, [...args], env);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.size(), 64 * MiB, name);
    }
  });

  it("an element's environment.d sets it for the layout; the flag still wins", () => {
    const r = buildRaw('envd', ['size-from-env-d']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.size(), 80 * MiB);
    const f = buildRaw('envd-flag', ['size-from-env-d', '--image-size', '72MiB']);
    assert.equal(f.status, 0, f.stderr);
    assert.equal(f.size(), 72 * MiB);
  });

  it('a bad size is refused naming the flag (usage, 2), the variable, or the environment.d file that set it (1)', () => {
    const flag = buildRaw('bad-flag', ['--image-size', '3PiB']);
    assert.equal(flag.status, 2, flag.stderr);
    assert.match(flag.stderr, /error: --image-size: '3PiB' is not a size: unit_str \[PiB\] not known\n\s+hint: /);
    const env = buildRaw('bad-env', [], { DIB_IMAGE_SIZE: 'roomy' });
    assert.equal(env.status, 2, env.stderr);
    assert.match(env.stderr, /error: DIB_IMAGE_SIZE: 'roomy' is not a size/);
    const envd = buildRaw('bad-envd', ['bad-size-env-d']);
    assert.equal(envd.status, 1, envd.stderr);
    assert.match(envd.stderr, /error: DIB_IMAGE_SIZE \(set in \S+\/bad-size-env-d\/environment\.d\/10-size\): 'roomy' is not a size/);
    assert.doesNotMatch(envd.stderr, /\n\s+at .+:\d+:\d+/, 'no stack trace');
  });

  it('kiln plan block-device takes the same sizes from --image-size and DIB_IMAGE_SIZE', () => {
    const plan = (args: string[], env: Record<string, string> = {}) => {
      const r = runCli('kiln', ['plan', 'block-device', '--config', join(REPO, 'block-device/mbr.yaml'), '--json', ...args], { env });
      assert.equal(r.status, 0, r.stderr);
      return (JSON.parse(r.stdout) as { image: { sizeBytes: number } }).image.sizeBytes;
    };
    assert.equal(plan(['--image-size', '3GiB']), 3 * 1024 ** 3);
    assert.equal(plan([], { DIB_IMAGE_SIZE: '3GiB' }), 3 * 1024 ** 3);
    assert.equal(plan(['--image-size', '1.5'], { DIB_IMAGE_SIZE: '3GiB' }), 1.5 * 1024 ** 3);
    const bad = runCli('kiln', ['plan', 'block-device', '--config', join(REPO, 'block-device/mbr.yaml'), '--image-size', 'roomy']);
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /error: --image-size: 'roomy' is not a size/);
  });
});
