/** `kiln plan` for the container elements: the container driver, the image reference and the instructions. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../../helpers/cli.js';

test('kiln plan rocky-container vm: the container driver, rpm family, the image and RUN lines of containerfiles/9', () => {
  const r = runCli('kiln', ['plan', '-o', '/nonexistent/x', 'rocky-container', 'vm']);
  assert.equal(r.status, 0, r.stderr);
  const b = JSON.parse(r.stdout).bootstrap;
  assert.equal(b.driver, 'container');
  assert.equal(b.element, 'containerfile');
  assert.equal(b.plan.family, 'rpm');
  assert.equal(b.plan.release, '9');
  assert.equal(b.plan.image, 'rockylinux/rockylinux:9');
  assert.equal(b.plan.platform, 'linux/amd64');
  assert.match(b.plan.containerfile, /elements\/rocky-container\/containerfiles\/9$/);
  assert.deepEqual(
    b.plan.instructions.map((i: string) => i.split(' ').slice(0, 3).join(' ')),
    ['1 FROM rockylinux/rockylinux:9', '3 RUN dnf', '7 RUN systemctl', '13 RUN systemd-machine-id-setup'],
  );
});

test('kiln plan containerfile: DIB_CONTAINERFILE_DOCKERFILE, --from of the build options; an unsupported line is the plan error', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kiln-plan-container-'));
  try {
    const f = join(dir, 'Containerfile');
    writeFileSync(f, 'FROM one/image:1\nRUN touch /x\nEXPOSE 80\n');
    const r = runCli('kiln', ['plan', '-o', '/nonexistent/x', 'containerfile'], {
      env: { DIB_CONTAINERFILE_DOCKERFILE: f, DIB_CONTAINERFILE_BUILDOPTS: '--from=two/image:2' },
    });
    assert.equal(r.status, 0, r.stderr);
    const p = JSON.parse(r.stdout).bootstrap.plan;
    assert.equal(p.image, 'two/image:2');
    assert.deepEqual(p.instructions, ['1 FROM two/image:2', '2 RUN touch /x']);
    assert.deepEqual(p.ignored, ['3 EXPOSE']);
    writeFileSync(f, 'FROM one/image:1\nADD x /x\n');
    const bad = runCli('kiln', ['plan', '-o', '/nonexistent/x', 'containerfile'], { env: { DIB_CONTAINERFILE_DOCKERFILE: f } });
    assert.equal(bad.status, 0, bad.stderr);
    assert.match(JSON.parse(bad.stdout).bootstrap.plan.error, /ADD changes the tree/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
