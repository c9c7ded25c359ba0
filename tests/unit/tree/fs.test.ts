// Tree operations with symlinks planted at the paths, pointing at a host canary: writes and mkdir
// follow links inside the tree, remove and rename act on the link; the canary never changes.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { KilnError } from '../../../src/errors.js';
import { Tree } from '../../../src/tree/fs.js';
import { makeCanary, type Canary } from '../../helpers/canary.js';

describe('Tree', () => {
  let root: string;
  let tree: Tree;
  let canary: Canary;
  let before: string[];
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'kiln-tree-fs-'));
    mkdirSync(join(root, 'etc'));
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
  // absolute in-tree targets use a name the host does not have: a regression that followed them on
  // the host would find nothing there to change
  const NOT_ON_HOST = `/kiln-not-on-host-${process.pid}`;

  it('writeFile creates a regular file with the mode', () => {
    assert.equal(tree.writeFile('/etc/fstab', 'fs\n', 0o600), join(root, 'etc/fstab'));
    assert.equal(readFileSync(join(root, 'etc/fstab'), 'utf8'), 'fs\n');
    assert.equal(statSync(join(root, 'etc/fstab')).mode & 0o777, 0o600);
  });

  it('writeFile through a link to an in-tree file writes that file (as a chrooted `cat >`)', () => {
    mkdirSync(join(root, NOT_ON_HOST));
    writeFileSync(join(root, NOT_ON_HOST, 'fstab'), 'old');
    plant(`${NOT_ON_HOST}/fstab`, 'etc/fstab');
    tree.writeFile('/etc/fstab', 'new\n');
    assert.equal(readFileSync(join(root, NOT_ON_HOST, 'fstab'), 'utf8'), 'new\n');
    assert.equal(existsSync(NOT_ON_HOST), false);
    assert.ok(lstatSync(join(root, 'etc/fstab')).isSymbolicLink());
  });

  it('writeFile through a link to the host canary file fails inside the tree (its directory is not in the tree)', () => {
    plant(canary.file, 'etc/fstab');
    assert.throws(
      () => tree.writeFile('/etc/fstab', 'evil'),
      (e: unknown) => e instanceof KilnError && e.where === '/etc/fstab in the image tree' && /does not exist/.test(e.message),
    );
  });

  it('writeFile refuses a directory and a fifo', () => {
    mkdirSync(join(root, 'etc/dir'));
    execFileSync('mkfifo', [join(root, 'etc/fifo')]);
    assert.throws(() => tree.writeFile('/etc/dir', 'x'), /is a directory, not a file/);
    assert.throws(() => tree.writeFile('/etc/fifo', 'x'), /is a special file, not a file/);
  });

  it('mkdirp through a link to the host canary creates the directories in the tree', () => {
    plant(canary.dir, 'boot');
    const host = tree.mkdirp('/boot/grub');
    assert.equal(host, join(root, canary.dir, 'grub'));
    assert.ok(statSync(host).isDirectory());
    tree.writeFile('/boot/grub/grub.cfg', 'cfg');
    assert.equal(readFileSync(join(root, canary.dir, 'grub/grub.cfg'), 'utf8'), 'cfg');
    assert.equal(existsSync(join(canary.dir, 'grub')), false);
  });

  it('readFile and readdir of links to the host see the tree, not the host', () => {
    plant(canary.dir, 'etc/dir');
    plant(canary.file, 'etc/file');
    assert.throws(() => tree.readdir('/etc/dir'), /does not exist/);
    assert.throws(() => tree.readFile('/etc/file'), /does not exist/);
    assert.equal(tree.isDirectory('/etc/dir'), false);
    assert.equal(tree.exists('/etc/dir'), true, 'the link itself exists');
  });

  it('remove takes the link, never its target', () => {
    plant(canary.file, 'etc/resolv.conf');
    plant(canary.dir, 'etc/dir');
    tree.remove('/etc/resolv.conf');
    tree.remove('/etc/dir');
    assert.equal(existsSync(join(root, 'etc/resolv.conf')), false);
    assert.equal(existsSync(join(root, 'etc/dir')), false);
    tree.remove('/etc/never-was');
  });

  it('remove through a symlinked parent removes in the tree', () => {
    mkdirSync(join(root, NOT_ON_HOST));
    writeFileSync(join(root, NOT_ON_HOST, 'x.log'), 'l');
    plant(canary.dir, 'root');
    tree.remove('/root/x.log'); // <tree><canary>/x.log does not exist: nothing to do
    plant(NOT_ON_HOST, 'root2');
    tree.remove('/root2/x.log');
    assert.equal(existsSync(join(root, NOT_ON_HOST, 'x.log')), false);
  });

  it('rename moves a link as a link', () => {
    plant(canary.file, 'etc/resolv.conf');
    tree.rename('/etc/resolv.conf', '/etc/resolv.conf.ORIG');
    assert.equal(readlinkSync(join(root, 'etc/resolv.conf.ORIG')), canary.file);
    assert.throws(() => tree.rename('/etc/none', '/etc/x'), /does not exist/);
  });
});
