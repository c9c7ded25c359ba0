/**
 * The sandbox in a container that masks parts of /proc (podman, Docker, Kubernetes do): a user
 * namespace nested in one whose /proc has mounts over it may not mount a new /proc, so kiln-sandbox
 * binds the existing one instead. The container is imitated with unshare: an outer user and mount
 * namespace puts a mount over a /proc path, as a runtime's masks do, and the sandbox runs in a user
 * namespace inside it, as Kiln's fakeroot mode does in the Kiln image (tests/e2e/podman.test.ts runs the
 * real thing).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { LIBEXEC } from '../../../src/sandbox/sandbox.js';
import { findTool } from '../../helpers/host-tools.js';

const busybox = findTool('busybox');
const skip = !busybox && process.env.CI !== 'true' ? 'busybox-static is not installed' : false;

/** `script` as root of a user and mount namespace with /proc/sys/fs masked, then in a namespace nested in it. */
function inMaskedContainer(script: string): { status: number | null; out: string } {
  const outer = `mount --bind /proc/sys/kernel /proc/sys/fs && exec unshare --map-root-user --mount --pid --fork sh -c "$0" "$@"`;
  const r = spawnSync('unshare', ['--map-root-user', '--mount', 'sh', '-c', outer, script], { encoding: 'utf8' });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

describe('kiln-sandbox under a masked /proc', { skip }, () => {
  const root = mkdtempSync(join(tmpdir(), 'kiln-masked-proc-'));
  after(() => rmSync(root, { recursive: true, force: true }));
  const tree = join(root, 'tree');
  const hooks = join(root, 'hooks');
  for (const d of ['bin', 'proc', 'sys', 'dev', 'tmp/in_target.d']) mkdirSync(join(tree, d), { recursive: true });
  mkdirSync(hooks);

  it('the imitation refuses a new /proc, as a container does', () => {
    assert.ok(busybox, 'busybox (busybox-static)');
    const r = inMaskedContainer(`mkdir -p ${root}/p && mount -t proc proc ${root}/p`);
    assert.notEqual(r.status, 0, `mount -t proc worked:\n${r.out}`);
    assert.match(r.out, /permission denied|not permitted/i);
  });

  it("the sandbox still gives the tree a /proc: the container's, bound", () => {
    copyFileSync(busybox!, join(tree, 'bin/busybox'));
    symlinkSync('busybox', join(tree, 'bin/sh'));
    const args = [tree, hooks, join(tree, 'proc'), join(tree, 'sys'), join(tree, 'dev'), join(tree, 'tmp/in_target.d')];
    const r = inMaskedContainer(
      `sh ${join(LIBEXEC, 'kiln-sandbox')} ${args.join(' ')} /bin/busybox sh -c 'cat /proc/self/status; /bin/busybox ls /proc/sys/fs'`,
    );
    assert.equal(r.status, 0, r.out);
    assert.match(r.out, /^Name:\s+\S+$/m, 'the tree has a /proc');
    assert.match(r.out, /\bhostname\b/, 'with the mask: /proc/sys/fs shows what was bound over it');
  });
});
