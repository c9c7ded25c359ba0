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
import { missingTools, sh, withTempDir } from '../encode/tools.js';
import { isRoot, makeImage, makeTree, markersIntact, MiB } from './fixture.js';

const USER = 'kiln-test';

function testUser(): { uid: number; gid: number; subuid: number; subgid: number } | string {
  if (!isRoot) return 'needs root to prepare a tree for another user';
  const id = (flag: string): number => Number(execFileSync('id', [flag, USER], { encoding: 'utf8' }).trim());
  let me;
  try {
    me = { privileged: false, uid: id('-u'), gid: id('-g'), user: USER };
  } catch {
    if (process.env['CI'] === 'true') throw new Error(`user ${USER} missing: run scripts/setup-test-user`);
    return `no user ${USER} (scripts/setup-test-user)`;
  }
  const su = subordinateRange('/etc/subuid', me);
  const sg = subordinateRange('/etc/subgid', me);
  if (!su || !sg) return `${USER} has no subordinate ids`;
  return { uid: me.uid, gid: me.gid, subuid: su.start, subgid: sg.start };
}

const who = testUser();
const skip = typeof who === 'string' ? who : missingTools('mke2fs', 'debugfs', 'e2fsck', 'unshare', 'runuser');

test('unprivileged ext4 from a tree keeps owners through the user namespace', { skip }, () => withTempDir(async (dir) => {
  const u = who as Exclude<typeof who, string>;
  chmodSync(dir, 0o755);
  const tree = makeTree(join(dir, 'tree'));
  sh('chown', ['-R', `${u.uid}:${u.gid}`, tree]); // the user = root of the tree
  chownSync(join(tree, 'etc/secret'), u.subuid + 999, u.subgid + 999); // ns id 1000
  chownSync(join(tree, 'tmp'), u.subuid + 41, u.subgid + 41); // ns id 42
  const img = join(dir, 'disk.raw');
  makeImage(img, 70 * MiB, 2 * MiB, 64 * MiB);
  chownSync(img, u.uid, u.gid);
  const script = join(dir, 'run.mjs');
  const mod = resolve('dist/src/block-device/mkfs/index.js');
  const runner = resolve('dist/src/exec/runner.js');
  const ident = resolve('dist/src/sandbox/identity.js');
  writeFileSync(script, `
    import { makeFilesystem } from '${mod}';
    import { Runner } from '${runner}';
    import { currentIdentity } from '${ident}';
    const log = { debug() {}, info() {}, warn() {}, error() {}, output() {} };
    const ctx = { runner: new Runner(log), identity: currentIdentity(), log };
    if (ctx.identity.privileged) throw new Error('expected to be unprivileged');
    await makeFilesystem(ctx, { image: '${img}', offsetBytes: ${2 * MiB}, sizeBytes: ${64 * MiB}, sourceDir: '${tree}',
      type: 'ext4', label: 'rootless', opts: [], epoch: 1700000000, seed: 'r' });
  `);
  sh('runuser', ['-u', USER, '--', process.execPath, script]);
  assert.ok(markersIntact(img, 2 * MiB, 64 * MiB));
  const dev = `${img}?offset=${2 * MiB}`;
  sh('e2fsck', ['-fn', dev]);
  const stat = (p: string): string => sh('debugfs', ['-R', `stat ${p}`, dev]);
  assert.match(stat('/etc/secret'), /User:\s+1000\s+Group:\s+1000/);
  assert.match(stat('/tmp'), /User:\s+42\s+Group:\s+42/);
  assert.match(stat('/etc/hostname'), /User:\s+0\s+Group:\s+0/);
  assert.match(stat('/'), /User:\s+0\s+Group:\s+0/);
}));
