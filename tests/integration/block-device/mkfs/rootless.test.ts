/**
 * Rootless: an unprivileged user (scripts/setup-test-user's kiln-test) makes ext4 and vfat from a tree
 * whose files belong to its subordinate ids; the filesystems must record the ids root of the tree sees
 * (user -> 0, subuid base + N - 1 -> N). Needs root to prepare the tree and switch user.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, chownSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { execFileSync } from 'node:child_process';
import { subordinateRange } from '../../../../src/sandbox/identity.js';
import { missingTools, sh, withTempDir } from '../tools.js';
import { extractRegion, isRoot, makeImage, makeTree, markersIntact, MiB } from './fixture.js';

const USER = 'kiln-test';

function testUser(): { uid: number; gid: number; subuid: number; subgid: number } | string {
  if (!isRoot) {
    if (process.env.CI === 'true') throw new Error('rootless mkfs tests must run as root in CI (they switch to kiln-test)');
    return 'needs root to prepare a tree for another user';
  }
  const id = (flag: string): number => Number(execFileSync('id', [flag, USER], { encoding: 'utf8' }).trim());
  let me: { privileged: boolean; uid: number; gid: number; user: string };
  try {
    me = { privileged: false, uid: id('-u'), gid: id('-g'), user: USER };
  } catch {
    if (process.env.CI === 'true') throw new Error(`user ${USER} missing: run scripts/setup-test-user`);
    return `no user ${USER} (scripts/setup-test-user)`;
  }
  const su = subordinateRange('/etc/subuid', me);
  const sg = subordinateRange('/etc/subgid', me);
  if (!su || !sg) return `${USER} has no subordinate ids`;
  return { uid: me.uid, gid: me.gid, subuid: su.start, subgid: sg.start };
}

const who = testUser();
const skip = typeof who === 'string' ? who : missingTools('mke2fs', 'debugfs', 'e2fsck', 'unshare', 'runuser');

const SIZES = { ext4: 64 * MiB, xfs: 320 * MiB, btrfs: 256 * MiB, vfat: 64 * MiB } as const;
type RootlessType = keyof typeof SIZES;

/** Build a tree owned by the test user's ids, then run makeFilesystem as that user. */
function buildAsUser(dir: string, type: RootlessType): { img: string; off: number; size: number } {
  const u = who as Exclude<typeof who, string>;
  const size = SIZES[type];
  const off = 2 * MiB;
  chmodSync(dir, 0o755);
  const tree = makeTree(join(dir, 'tree'));
  sh('chown', ['-R', `${u.uid}:${u.gid}`, tree]); // the user = root of the tree
  chownSync(join(tree, 'etc/secret'), u.subuid + 999, u.subgid + 999); // ns id 1000
  chownSync(join(tree, 'tmp'), u.subuid + 41, u.subgid + 41); // ns id 42
  const img = join(dir, 'disk.raw');
  makeImage(img, size + 6 * MiB, off, size);
  chownSync(img, u.uid, u.gid);
  chownSync(dir, u.uid, u.gid); // the workspace: scratch files go next to the image
  const script = join(dir, 'run.mjs');
  const mod = resolve('dist/src/block-device/mkfs/index.js');
  const runner = resolve('dist/src/exec/runner.js');
  const ident = resolve('dist/src/sandbox/identity.js');
  writeFileSync(
    script,
    `
    import { makeFilesystem } from '${mod}';
    import { Runner } from '${runner}';
    import { currentIdentity } from '${ident}';
    const log = { debug() {}, info() {}, warn() {}, error() {}, output() {} };
    const ctx = { runner: new Runner(log), identity: currentIdentity(), log };
    if (ctx.identity.privileged) throw new Error('expected to be unprivileged');
    await makeFilesystem(ctx, { image: '${img}', offsetBytes: ${off}, sizeBytes: ${size}, sourceDir: '${tree}',
      type: '${type}', label: 'rootless', uuid: '0b5e7a63-2c41-4f0e-8d7a-91c3e5f2a4b6', opts: [], epoch: 1700000000, seed: 'r' });
  `,
  );
  sh('runuser', ['-u', USER, '--', process.execPath, script]);
  assert.ok(markersIntact(img, off, size));
  return { img, off, size };
}

test('unprivileged ext4 from a tree keeps owners through the user namespace', { skip }, () =>
  withTempDir(async (dir) => {
    const { img, off } = buildAsUser(dir, 'ext4');
    const dev = `${img}?offset=${off}`;
    sh('e2fsck', ['-fn', dev]);
    const stat = (p: string): string => sh('debugfs', ['-R', `stat ${p}`, dev]);
    assert.match(stat('/etc/secret'), /User:\s+1000\s+Group:\s+1000/);
    assert.match(stat('/tmp'), /User:\s+42\s+Group:\s+42/);
    assert.match(stat('/etc/hostname'), /User:\s+0\s+Group:\s+0/);
    assert.match(stat('/'), /User:\s+0\s+Group:\s+0/);
  }),
);

test('unprivileged xfs (protofile) keeps owners', { skip: skip ?? missingTools('mkfs.xfs', 'xfs_db', 'xfs_repair') }, () =>
  withTempDir(async (dir) => {
    const { img, off, size } = buildAsUser(dir, 'xfs');
    const region = extractRegion(img, off, size, join(dir, 'region.raw'));
    sh('xfs_repair', ['-n', region]);
    const db = (p: string): string => sh('xfs_db', ['-r', '-c', `path ${p}`, '-c', 'print core.mode core.uid core.gid', region]);
    assert.match(db('/etc/secret'), /core\.mode = 0100600\ncore\.uid = 1000\ncore\.gid = 1000/);
    assert.match(db('/tmp'), /core\.mode = 041777\ncore\.uid = 42\ncore\.gid = 42/);
    assert.match(db('/etc/hostname'), /core\.uid = 0\ncore\.gid = 0/);
  }),
);

test('unprivileged btrfs (--rootdir) keeps owners', { skip: skip ?? missingTools('mkfs.btrfs', 'btrfs') }, () =>
  withTempDir(async (dir) => {
    const { img, off, size } = buildAsUser(dir, 'btrfs');
    const region = extractRegion(img, off, size, join(dir, 'region.raw'));
    sh('btrfs', ['check', region]);
    const t = sh('btrfs', ['inspect-internal', 'dump-tree', '-t', '5', region]);
    assert.match(t, /mode 100600 links 1 uid 1000 gid 1000/);
    assert.match(t, /mode 41777 links \d+ uid 42 gid 42/);
  }),
);

test('unprivileged vfat reads files only root of the tree may read', { skip: skip ?? missingTools('mkfs.fat', 'mtype') }, () =>
  withTempDir(async (dir) => {
    const { img, off } = buildAsUser(dir, 'vfat');
    const out = sh('mtype', ['-i', `${img}@@${off}`, '::/etc/secret'], { env: { MTOOLS_SKIP_CHECK: '1' } });
    assert.equal(out, 'top secret\n');
  }),
);
