// The tree operations that run host tools as root of the tree (empty a directory, truncate files,
// measure the tree): with symlinks planted to a host canary, they work inside the tree only.
import assert from 'node:assert/strict';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { measureTree } from '../../../src/block-device/mount/tree.js';
import { KilnError } from '../../../src/errors.js';
import { Runner } from '../../../src/exec/runner.js';
import { silentLogger } from '../../../src/log.js';
import { currentIdentity } from '../../../src/sandbox/identity.js';
import { Tree } from '../../../src/tree/fs.js';
import { checkNoMounts, emptyDirectory, mountPoints, truncateFiles } from '../../../src/tree/root-ops.js';
import { makeCanary, type Canary } from '../../helpers/canary.js';

const ctx = { runner: new Runner(), identity: currentIdentity(), log: silentLogger };

describe('root-ops', () => {
  let root: string;
  let tree: Tree;
  let canary: Canary;
  let before: string[];
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'kiln-root-ops-'));
    for (const d of ['var/tmp', 'var/log/apt', 'etc']) mkdirSync(join(root, d), { recursive: true });
    tree = new Tree(root);
    canary = makeCanary();
    before = canary.snapshot();
  });
  afterEach(() => {
    assert.deepEqual(canary.snapshot(), before, 'the host canary is untouched');
    rmSync(root, { recursive: true, force: true });
    rmSync(canary.dir, { recursive: true, force: true });
  });
  const plant = (target: string, at: string) => symlinkSync(target, join(root, at));

  it('emptyDirectory removes files, directories and links (not their targets) in the directory', async () => {
    mkdirSync(join(root, 'tmp/sub/deeper'), { recursive: true });
    writeFileSync(join(root, 'tmp/sub/deeper/f'), 'x');
    writeFileSync(join(root, 'tmp/.hidden'), 'x');
    plant(canary.dir, 'tmp/to-canary-dir');
    plant(canary.file, 'tmp/sub/to-canary-file');
    await emptyDirectory(ctx, tree, '/tmp');
    assert.deepEqual(readdirSync(join(root, 'tmp')), []);
  });

  it('/tmp -> the host canary: a loop in the tree when the canary is under /tmp, else an absent directory', async () => {
    plant(canary.dir, 'tmp'); // the canary is in tmpdir(): <tree>/tmp/... leads to /tmp again
    if (canary.dir.startsWith('/tmp/')) {
      await assert.rejects(emptyDirectory(ctx, tree, '/tmp'), (e: unknown) => e instanceof KilnError && /too many levels/.test(e.message));
    }
    const other = makeCanary('/var/tmp');
    const otherBefore = other.snapshot();
    try {
      rmSync(join(root, 'tmp'));
      plant(other.dir, 'tmp');
      await emptyDirectory(ctx, tree, '/tmp'); // <tree>/var/tmp/kiln-canary-* does not exist
      assert.ok(lstatSync(join(root, 'tmp')).isSymbolicLink());
      assert.deepEqual(other.snapshot(), otherBefore);
    } finally {
      rmSync(other.dir, { recursive: true, force: true });
    }
  });

  it('/tmp -> an absolute in-tree directory: that directory of the tree is emptied (as `rm -rf /tmp/*` in the chroot)', async () => {
    // a name the host does not have: a regression that followed the link on the host would find nothing to delete
    const scratch = `/kiln-scratch-${process.pid}-${Date.now()}`;
    assert.equal(existsSync(scratch), false);
    mkdirSync(join(root, scratch, 'sub'), { recursive: true });
    writeFileSync(join(root, scratch, 'junk'), 'x');
    writeFileSync(join(root, 'var/keep'), 'x');
    plant(scratch, 'tmp');
    await emptyDirectory(ctx, tree, '/tmp');
    assert.deepEqual(readdirSync(join(root, scratch)), []);
    assert.ok(existsSync(join(root, 'var/keep')));
  });

  it('a /tmp that leads to the tree root is refused, the tree is kept', async () => {
    plant('..', 'tmp');
    await assert.rejects(
      emptyDirectory(ctx, tree, '/tmp'),
      (e: unknown) => e instanceof KilnError && /leads to the root of the tree/.test(e.message) && e.where === '/tmp in the image tree',
    );
    assert.ok(existsSync(join(root, 'etc')));
  });

  it('truncateFiles empties regular files and leaves links (and what they point to) alone', async () => {
    writeFileSync(join(root, 'var/log/syslog'), 'lines\n');
    writeFileSync(join(root, 'var/log/apt/history.log'), 'more\n');
    plant(canary.file, 'var/log/x');
    plant(canary.dir, 'var/log/dir');
    await truncateFiles(ctx, tree, '/var/log');
    assert.equal(statSync(join(root, 'var/log/syslog')).size, 0);
    assert.equal(statSync(join(root, 'var/log/apt/history.log')).size, 0);
    assert.ok(lstatSync(join(root, 'var/log/x')).isSymbolicLink());
  });

  it('/var/log -> an in-tree directory truncates there; -> the host canary: nothing', async () => {
    const data = `/kiln-not-on-host-${process.pid}`; // a regression following it on the host finds nothing
    mkdirSync(join(root, data));
    writeFileSync(join(root, data, 'l'), 'x');
    rmSync(join(root, 'var/log'), { recursive: true });
    plant(data, 'var/log');
    await truncateFiles(ctx, tree, '/var/log');
    assert.equal(statSync(join(root, data, 'l')).size, 0);
    rmSync(join(root, 'var/log'));
    plant(canary.dir, 'var/log');
    await truncateFiles(ctx, tree, '/var/log');
  });

  it('a file where a directory is expected is a located error', async () => {
    writeFileSync(join(root, 'tmp'), 'x');
    await assert.rejects(emptyDirectory(ctx, tree, '/tmp'), /is a file: cannot empty it/);
  });

  it('refuses when a mount point is on, above (inside the tree) or below the directory', () => {
    const p = tree.resolve('/var/tmp');
    const real = (rel: string) => join(root, rel);
    assert.throws(() => checkNoMounts(tree, p, ['/', real('var/tmp/bound')]), /\/var\/tmp\/bound in the tree is a mount point/);
    assert.throws(() => checkNoMounts(tree, p, ['/', real('var')]), /\/var in the tree is a mount point/);
    assert.throws(() => checkNoMounts(tree, p, [real('var/tmp')]), /mount point/);
    checkNoMounts(tree, p, ['/', root, real('etc'), real('var/tmpfoo'), '/proc']);
    assert.deepEqual(mountPoints('36 35 98:0 /a /mnt/with\\040space rw - ext3 /dev/root rw\n'), ['/mnt/with space']);
  });

  it('measureTree (du -x) does not count what a symlink points to', async () => {
    const big = mkdtempSync(join(tmpdir(), 'kiln-big-'));
    try {
      writeFileSync(join(big, 'blob'), Buffer.alloc(8 * 1024 * 1024, 1));
      plant(big, 'big-abs');
      plant(join('..', '..', big), 'var/big-rel');
      const kib = await measureTree(ctx, root);
      assert.ok(kib < 1024, `the tree measures ${kib} KiB, not the 8 MiB behind its links`);
      assert.equal(readFileSync(join(big, 'blob')).length, 8 * 1024 * 1024);
    } finally {
      rmSync(big, { recursive: true, force: true });
    }
  });
});
