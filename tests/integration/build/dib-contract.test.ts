// What DIB's own elements rely on in their hooks' environment, checked through a whole offline
// busybox build: DIB_ARGS is the whole command line, the workspace has DIB's shapes
// (TMP_BUILD_DIR/mnt with TMP_BUILD_DIR = .../dib_build.XXXXXXXX, TMP_IMAGE_DIR .../dib_image.XXXXXXXX),
// and $_LIB holds DIB's shell libraries.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { FIXTURE_ELEMENTS, isRoot, runCli } from '../../helpers/cli.js';
import { makeElementTree, removeTree } from '../../helpers/element-tree.js';

function tarFile(tar: string, path: string): string {
  const r = spawnSync('tar', ['-xOf', tar, path], { encoding: 'utf8' });
  assert.equal(r.status, 0, `tar -xOf ${path}: ${r.stderr}`);
  return r.stdout;
}

describe("DIB's hook contract in a busybox build", () => {
  const out = mkdtempSync(join(tmpdir(), 'kiln-dib-contract-'));
  chmodSync(out, 0o777);
  after(() => rmSync(out, { recursive: true, force: true }));
  const elements = makeElementTree({
    'show-args': {
      deps: ['busybox-minimal'],
      files: {
        'extra-data.d/50-show-args':
          '#!/bin/bash\nset -eu\nmkdir -p "$TMP_MOUNT_PATH/kiln-test"\nprintf "%s" "$DIB_ARGS" > "$TMP_MOUNT_PATH/kiln-test/dib-args"\n' +
          `printf "%s\\n" "$TMP_BUILD_DIR" "$TMP_MOUNT_PATH" "$TMP_IMAGE_DIR" "$TMP_HOOKS_PATH" "$(dirname "\${TMP_MOUNT_PATH##*.}")" > "$TMP_MOUNT_PATH/kiln-test/paths"\n`,
      },
    },
    dies: {
      deps: ['busybox-minimal'],
      files: {
        'extra-data.d/50-dies':
          '#!/bin/bash\nset -eu\nsource "$_LIB/die"\nif [ -n "$TMP_MOUNT_PATH" ]; then\n  die "DIB_SOMETHING must be set to build this"\nfi\necho still running\n',
      },
    },
    'in-target': {
      deps: ['busybox-minimal'],
      files: {
        'post-root.d/50-in-target':
          '#!/bin/bash\nset -eu\nsource "$_LIB/img-functions"\n' +
          `run_in_target 'mkdir -p /kiln-test && echo "$HOME $(test -r /proc/self/status && echo proc) $(ls /tmp/in_target.d/post-root.d)" > /kiln-test/run-in-target'\n` +
          'tmpfs_check || echo "no tmpfs" > "$TMP_MOUNT_PATH/kiln-test/tmpfs"\n',
      },
    },
  });
  after(() => removeTree(elements));
  chmodSync(elements, 0o755);
  const env = { ELEMENTS_PATH: `${elements}:${FIXTURE_ELEMENTS}`, TMP_DIR: out };

  it('DIB_ARGS is the whole command line, flags and empty arguments too', () => {
    const args = ['-x', '-t', 'tar', '-o', join(out, 'args'), '--image-size=1', 'show-args  ', ''];
    const r = runCli('disk-image-create', args, { env });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(tarFile(join(out, 'args.tar'), './kiln-test/dib-args'), args.join(' '));
    assert.deepEqual(
      readdirSync(out).filter((f) => f.startsWith('kiln-')),
      [],
      'workspace removed after success',
    );
  });

  it("the workspace has DIB's shapes: TMP_BUILD_DIR=.../dib_build.XXXXXXXX, its mnt and hooks, TMP_IMAGE_DIR=.../dib_image.XXXXXXXX", () => {
    const r = runCli('disk-image-create', ['-t', 'tar', '-o', join(out, 'paths'), 'show-args'], { env });
    assert.equal(r.status, 0, r.stderr);
    const [build, mnt, image, hooks, suffix] = tarFile(join(out, 'paths.tar'), './kiln-test/paths').trim().split('\n');
    const root = `${out}/kiln-\\w{6}`;
    assert.match(build!, new RegExp(`^${root}/dib_build\\.[A-Za-z0-9]{8}$`));
    assert.equal(mnt, `${build}/mnt`);
    assert.equal(hooks, `${build}/hooks`);
    assert.match(image!, new RegExp(`^${root}/dib_image\\.[A-Za-z0-9]{8}$`));
    assert.equal(suffix, build!.slice(-8), "DIB's source-repositories names its git manifest after the workspace's suffix");
  });

  it('a hook can source $_LIB/die and die: the build fails with its message', () => {
    const r = runCli('disk-image-create', ['-t', 'tar', '-o', join(out, 'dies'), 'dies'], { env });
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /extra-data\.d\/50-dies of element 'dies' failed with exit code 1/);
    assert.match(r.stderr, /DIB_SOMETHING must be set to build this/);
    assert.doesNotMatch(r.stderr + r.stdout, /still running/);
  });

  it("a host hook can run_in_target (img-functions): HOME=/root, /proc and the hooks there, the host's mounts untouched", () => {
    const r = runCli('disk-image-create', ['-t', 'tar', '-o', join(out, 'target'), 'in-target'], { env });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(tarFile(join(out, 'target.tar'), './kiln-test/run-in-target'), '/root proc 50-in-target\n');
    assert.equal(tarFile(join(out, 'target.tar'), './kiln-test/tmpfs'), 'no tmpfs\n');
    assert.equal(spawnSync('tar', ['-tf', join(out, 'target.tar'), './proc/self'], { encoding: 'utf8' }).status, 2, 'nothing of /proc in the tar');
  });

  it('run_in_target and die work the same as an unprivileged user', {
    skip: !isRoot() && process.env.CI !== 'true' ? 'needs root to switch to the test user' : false,
  }, () => {
    const user = { user: 'kiln-test', env: { ...env, HOME: '/home/kiln-test' } };
    const r = runCli('disk-image-create', ['-t', 'tar', '-o', join(out, 'target-u'), 'in-target'], user);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(tarFile(join(out, 'target-u.tar'), './kiln-test/run-in-target'), '/root proc 50-in-target\n');
    const d = runCli('disk-image-create', ['-t', 'tar', '-o', join(out, 'dies-u'), 'dies'], user);
    assert.equal(d.status, 1, d.stderr);
    assert.match(d.stderr, /DIB_SOMETHING must be set to build this/);
  });
});
