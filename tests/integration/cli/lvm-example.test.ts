// The README's LVM example (block-device-efi-lvm has a 40 GB root partition, so the command gives
// --image-size): the size it gives holds the layout, and a size too small says the size needed.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { REPO, runCli } from '../../helpers/cli.js';

const LAYOUT = join(REPO, 'elements/block-device-efi-lvm/block-device-default.yaml');

describe("the README's block-device-efi-lvm example", () => {
  const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
  const m = readme.match(/^disk-image-create debian-minimal vm block-device-efi-lvm (.*)$/m);

  it('gives an image size, and the layout fits it', () => {
    assert.ok(m, 'the example is in the README');
    const size = m[1]!.match(/--image-size (\S+)/)?.[1];
    assert.ok(size, `the example gives --image-size: ${m[0]}`);
    const r = runCli('kiln', ['plan', 'block-device', '--config', LAYOUT, '--image-size', size, '--json']);
    assert.equal(r.status, 0, r.stderr);
    const plan = JSON.parse(r.stdout) as { image: { sizeBytes?: number } };
    assert.ok(plan.image, 'a plan');
  });

  it('a size too small names the size the layout needs, which fits', () => {
    const r = runCli('kiln', ['plan', 'block-device', '--config', LAYOUT, '--image-size', '3']);
    assert.equal(r.status, 1, r.stderr);
    const need = r.stderr.match(/need an image of at least (\d+) GiB: give --image-size/)?.[1];
    assert.ok(need, r.stderr);
    assert.equal(runCli('kiln', ['plan', 'block-device', '--config', LAYOUT, '--image-size', need]).status, 0, `${need} GiB fits`);
    assert.notEqual(
      runCli('kiln', ['plan', 'block-device', '--config', LAYOUT, '--image-size', String(Number(need) - 1)]).status,
      0,
      'and is the least that does',
    );
  });
});
