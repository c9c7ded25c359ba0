// In-tree resolution (RESOLVE_IN_ROOT semantics): every symlink a hook can plant resolves inside the
// tree root; none leads to the host. The host canary's absolute path is planted as a link target.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { KilnError } from '../../../src/errors.js';
import { MAX_SYMLINKS, resolveInTree, resolveNoSymlinks, treeAbsolute } from '../../../src/tree/path.js';
import { makeCanary } from '../../helpers/canary.js';

describe('resolveInTree', () => {
  const root = mkdtempSync(join(tmpdir(), 'kiln-tree-path-'));
  const canary = makeCanary();
  after(() => {
    rmSync(root, { recursive: true, force: true });
    rmSync(canary.dir, { recursive: true, force: true });
  });
  mkdirSync(join(root, 'etc'));
  mkdirSync(join(root, 'var/tmp'), { recursive: true });
  writeFileSync(join(root, 'etc/fstab.real'), 'x');
  const plant = (target: string, at: string) => symlinkSync(target, join(root, at));

  it('a plain path is the tree root joined with it', () => {
    const p = resolveInTree(root, 'etc/fstab.real');
    assert.equal(p.host, join(root, 'etc/fstab.real'));
    assert.equal(p.resolved, '/etc/fstab.real');
    assert.ok(p.stat?.isFile());
    assert.equal(treeAbsolute('etc//./fstab'), '/etc/fstab');
  });

  it('a missing path: no stat, and parentExists says whether mkdir would work', () => {
    assert.deepEqual([resolveInTree(root, '/etc/nope').stat, resolveInTree(root, '/etc/nope').parentExists], [undefined, true]);
    const deep = resolveInTree(root, '/etc/a/b/c');
    assert.equal(deep.host, join(root, 'etc/a/b/c'));
    assert.equal(deep.parentExists, false);
  });

  it("'/' as a link target is the tree root: `ln -s / /tmp` leads to the tree, not the host's /", () => {
    plant('/', 'slash');
    const p = resolveInTree(root, '/slash');
    assert.equal(p.host, root);
    assert.equal(p.resolved, '/');
    assert.ok(p.stat?.isDirectory());
    assert.equal(resolveInTree(root, '/slash/etc/fstab.real').host, join(root, 'etc/fstab.real'));
  });

  it('an absolute target is re-rooted at the tree: the host canary path means <tree><canary path>', () => {
    plant(canary.dir, 'canary-dir');
    plant(canary.file, 'canary-file');
    const d = resolveInTree(root, '/canary-dir/precious');
    assert.equal(d.host, join(root, canary.dir, 'precious'));
    assert.equal(d.stat, undefined, 'the in-tree path does not exist; the host canary is never looked at');
    assert.equal(resolveInTree(root, '/canary-file').host, join(root, canary.file));
  });

  it("'..' stops at the tree root, in the path and in link targets", () => {
    plant('../../../../../../..', 'up');
    assert.equal(resolveInTree(root, '/up').host, root);
    assert.equal(resolveInTree(root, '/../../etc/fstab.real').host, join(root, 'etc/fstab.real'));
    plant('../../../../etc', 'var/etc-up');
    assert.equal(resolveInTree(root, '/var/etc-up/fstab.real').host, join(root, 'etc/fstab.real'));
  });

  it('a relative target resolves from its directory; followFinal: false reports the link itself', () => {
    plant('var/tmp', 'tmp2');
    assert.equal(resolveInTree(root, '/tmp2').host, join(root, 'var/tmp'));
    const own = resolveInTree(root, '/tmp2', { followFinal: false });
    assert.equal(own.host, join(root, 'tmp2'));
    assert.ok(own.stat?.isSymbolicLink());
  });

  it('a loop fails with a located KilnError (ELOOP)', () => {
    plant('/loop-b', 'loop-a');
    plant('loop-a', 'loop-b');
    assert.throws(
      () => resolveInTree(root, '/loop-a/x'),
      (e: unknown) => e instanceof KilnError && /too many levels of symbolic links/.test(e.message) && e.where === '/loop-a/x in the image tree',
    );
  });

  it(`follows at most ${MAX_SYMLINKS} links`, () => {
    mkdirSync(join(root, 'chain'));
    for (let i = 0; i < MAX_SYMLINKS + 1; i++) symlinkSync(`l${i + 1}`, join(root, 'chain', `l${i}`));
    writeFileSync(join(root, 'chain', `l${MAX_SYMLINKS}`), 'end');
    assert.ok(resolveInTree(root, '/chain/l1').stat?.isFile(), `${MAX_SYMLINKS} links are followed`);
    assert.throws(() => resolveInTree(root, '/chain/l0'), /too many levels/);
  });

  it('a file in the middle of the path is an error, not a lookup on the host', () => {
    assert.throws(() => resolveInTree(root, '/etc/fstab.real/x'), /\/etc\/fstab\.real is not a directory/);
  });
});

describe('resolveNoSymlinks', () => {
  const root = mkdtempSync(join(tmpdir(), 'kiln-tree-nolinks-'));
  after(() => rmSync(root, { recursive: true, force: true }));
  mkdirSync(join(root, 'real/boot'), { recursive: true });
  symlinkSync('/real/boot', join(root, 'boot'));

  it('accepts real directories and missing ones', () => {
    assert.equal(resolveNoSymlinks(root, '/real/boot', 'mount point').host, join(root, 'real/boot'));
    assert.equal(resolveNoSymlinks(root, '/var/log', 'mount point').stat, undefined);
  });
  it('names the symlink: on the path, or the path itself', () => {
    assert.throws(
      () => resolveNoSymlinks(root, '/boot/efi', 'mount point of ESP'),
      (e: unknown) =>
        e instanceof KilnError && e.message === 'mount point of ESP: /boot is a symlink (-> /real/boot)' && e.where === '/boot/efi in the image tree',
    );
    assert.throws(() => resolveNoSymlinks(root, '/boot', 'mount point'), /\/boot is a symlink/);
  });
});
