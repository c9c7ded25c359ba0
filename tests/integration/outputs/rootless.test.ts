// Unprivileged: the tree's owners are subordinate ids (0 -> the user, 1000 -> subuid start + 999);
// tar, docker and squash run as root of the tree in a user namespace and must store 0 and 1000.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, lchownSync, lstatSync, readdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { isRoot, makeTree, sh, tempRoot } from './fixture.js';

const USER = 'kiln-test';
const hasUser = spawnSync('id', ['-u', USER]).status === 0;
const skip = process.env.CI === 'true' ? false : !isRoot ? 'needs root to prepare the tree' : !hasUser ? `no user ${USER} (scripts/setup-test-user)` : false;

function subStart(): number {
  const line = sh('grep', [`^${USER}:`, '/etc/subuid']).trim();
  return Number(line.split(':')[1]);
}

/** Shift every owner of `dir` into the user's namespace mapping: 0 -> uid, n -> subStart + n - 1. */
function mapOwners(dir: string, uid: number, gid: number, start: number): void {
  const map = (id: number, own: number) => (id === 0 ? own : start + id - 1);
  const walk = (p: string) => {
    const s = lstatSync(p);
    lchownSync(p, map(s.uid, uid), map(s.gid, gid));
    if (s.isDirectory()) for (const n of readdirSync(p)) walk(join(p, n));
  };
  walk(dir);
}

describe('outputs as an unprivileged user', { skip }, () => {
  const root = tempRoot('rootless');
  after(() => rmSync(root, { recursive: true, force: true }));

  it('tar, docker and squash keep the tree owners through the user namespace', () => {
    const uid = Number(sh('id', ['-u', USER]).trim());
    const gid = Number(sh('id', ['-g', USER]).trim());
    chmodSync(root, 0o755);
    const tree = makeTree(root);
    mapOwners(tree, uid, gid, subStart());
    const outDir = join(root, 'out');
    execFileSync('install', ['-d', '-o', String(uid), '-g', String(gid), outDir]);
    const writer = join(dirname(fileURLToPath(import.meta.url)), 'rootless-writer.js');
    const r = spawnSync(
      'runuser',
      ['-u', USER, '--', process.execPath, writer, JSON.stringify({ outDir, tree, types: ['tar', 'docker', 'squash'], dockerTarget: 'kiln/rootless:1' })],
      { encoding: 'utf8' },
    );
    assert.equal(r.status, 0, r.stderr);
    const tar = sh('tar', ['--numeric-owner', '-tvf', join(outDir, 'img.tar')]);
    assert.match(tar, /^-rw------- 1000\/1000 .* \.\/home\/user\/secret$/m);
    assert.match(tar, /^-rwxr-xr-x 0\/0 .* \.\/bin\/sh$/m);
    assert.match(sh('unsquashfs', ['-lln', join(outDir, 'img.squash')]), /^-rw------- 1000\/1000 .* squashfs-root\/home\/user\/secret$/m);
    sh('skopeo', ['inspect', `docker-archive:${join(outDir, 'img.docker.tar')}`]);
    assert.equal(statSync(join(outDir, 'img.tar')).uid, uid, 'the output belongs to the user');
    chownSync(root, 0, 0);
  });
});
