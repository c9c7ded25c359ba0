// removeTree never deletes through a mount point. A bind mount of a directory of the same
// filesystem has the same st_dev as its parent, so `rm --one-file-system` alone would delete
// through it; removeTree unmounts first, and when it cannot (unprivileged, someone else's mount)
// it removes nothing and names the mount. Runs in a private mount namespace (helpers/mount-ns.ts).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { isRoot, REPO } from '../../helpers/cli.js';
import { runInMountNs } from '../../helpers/mount-ns.js';

const skip = !isRoot() ? 'needs root: the test mounts' : false;
const hasUser = spawnSync('id', ['kiln-test']).status === 0;

// removeTree(dir) as the calling user; its error message on stderr, exit 1
const REMOVE = `const [{ removeTree }, { Runner }, { currentIdentity }] = await Promise.all([
  import('${REPO}/dist/src/sandbox/sandbox.js'), import('${REPO}/dist/src/exec/runner.js'), import('${REPO}/dist/src/sandbox/identity.js')]);
try { await removeTree({ runner: new Runner(), identity: currentIdentity() }, process.argv[1]); }
catch (e) { process.stderr.write(e.message + '\\n'); process.exit(1); }`;

describe('removeTree and mounts', { skip }, () => {
  const tmp = mkdtempSync(join(tmpdir(), 'kiln-rmtree-'));
  chmodSync(tmp, 0o755);
  after(() => rmSync(tmp, { recursive: true, force: true }));
  const canary = join(tmp, 'canary');
  mkdirSync(canary);
  writeFileSync(join(canary, 'keep.txt'), 'host data\n');

  it('unmounts a same-filesystem bind mount, then removes the tree; the bound directory keeps its files', () => {
    const dir = join(tmp, 'r1');
    const tree = join(dir, 'ws');
    mkdirSync(join(tree, 'mnt/var/cache'), { recursive: true });
    const setup = `mount --bind "${canary}" "${tree}/mnt/var/cache" && stat -c %d "${tree}/mnt/var" "${tree}/mnt/var/cache" > "${dir}/devs"`;
    const r = runInMountNs(dir, [process.execPath, '--input-type=module', '-e', REMOVE, tree], { setup });
    assert.equal(r.status, 0, r.stderr);
    const [a, b] = readFileSync(join(dir, 'devs'), 'utf8').trim().split('\n');
    assert.equal(a, b, 'the mount point has the st_dev of its parent: --one-file-system would not stop there');
    assert.ok(!existsSync(tree), 'removed');
    assert.equal(readFileSync(join(canary, 'keep.txt'), 'utf8'), 'host data\n');
    assert.deepEqual(
      r.mounts.filter((m) => m.mountPoint.startsWith(dir)),
      [],
    );
  });

  it("unprivileged, someone else's mount cannot be unmounted: nothing is removed, the error names it", { skip: hasUser ? false : 'no kiln-test user' }, () => {
    const dir = join(tmp, 'r2');
    const tree = join(dir, 'ws');
    mkdirSync(join(tree, 'm'), { recursive: true });
    writeFileSync(join(tree, 'other'), 'x');
    const uid = Number(spawnSync('id', ['-u', 'kiln-test'], { encoding: 'utf8' }).stdout);
    for (const p of [tree, join(tree, 'm'), join(tree, 'other')]) chownSync(p, uid, uid);
    const r = runInMountNs(dir, ['runuser', '-u', 'kiln-test', '--', process.execPath, '--input-type=module', '-e', REMOVE, tree], {
      setup: `mount --bind "${canary}" "${tree}/m"`,
    });
    assert.equal(r.status, 1, r.stderr);
    // findmnt's notation for a bind mount: SOURCE[/bound/directory]
    assert.ok(r.stderr.startsWith(`not removing ${tree}: ${tree}/m (`), r.stderr);
    assert.ok(r.stderr.includes(`/canary]) is mounted under ${tree} and cannot be unmounted: umount: ${tree}/m: `), r.stderr);
    assert.ok(existsSync(join(tree, 'other')), 'nothing removed');
    assert.equal(readFileSync(join(canary, 'keep.txt'), 'utf8'), 'host data\n');
    assert.deepEqual(
      r.mounts.filter((m) => m.mountPoint.startsWith(dir)).map((m) => m.mountPoint),
      [join(tree, 'm')],
      'still mounted',
    );
  });
});
