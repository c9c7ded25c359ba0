/** How a command runs as root of the tree in each mode: the argv prefix asTreeRoot gives. */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { asTreeRoot, type Identity, inInitialUserNamespace, isHostRoot, readUidMap, withFakerootDb } from '../../../src/sandbox/identity.js';

const ROOT: Identity = { privileged: true, uid: 0, gid: 0, user: 'root' };
const USER: Identity = { privileged: false, uid: 1000, gid: 1000, user: 'u' };
const PID = ['--pid', '--fork', '--kill-child'];
const FAKEROOT = ['env', 'FAKEROOTDONTTRYCHOWN=1', 'fakeroot', '-i', '/w/fakeroot.db', '-s', '/w/fakeroot.db', '--'];

describe('asTreeRoot', () => {
  it('root: nothing, or a mount namespace; a user with subordinate ids: --map-auto', () => {
    assert.deepEqual(asTreeRoot(ROOT), []);
    assert.deepEqual(asTreeRoot(ROOT, { mount: true }), ['unshare', '--mount', '--propagation', 'private', ...PID, '--']);
    assert.deepEqual(asTreeRoot(USER), ['unshare', '--map-auto', '--map-root-user', ...PID, '--']);
  });

  it('fakeroot mode: one uid mapped (no --map-auto), a private IPC namespace for faked, then fakeroot loading and saving the one database', () => {
    const user = { ...USER, fakeroot: { db: '/w/fakeroot.db' } };
    assert.deepEqual(asTreeRoot(user), ['unshare', '--map-root-user', '--ipc', ...PID, '--', ...FAKEROOT]);
    assert.deepEqual(asTreeRoot(user, { mount: true }), [
      'unshare',
      '--map-root-user',
      '--ipc',
      '--mount',
      '--propagation',
      'private',
      ...PID,
      '--',
      ...FAKEROOT,
    ]);
    // root of a one-uid namespace is already root there: no user namespace of its own
    assert.deepEqual(asTreeRoot({ ...ROOT, fakeroot: { db: '/w/fakeroot.db' } }), ['unshare', '--ipc', ...PID, '--', ...FAKEROOT]);
  });
});

describe('withFakerootDb', () => {
  it('creates an empty database (fakeroot -i needs the file) and keeps one that exists', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kiln-frdb-'));
    try {
      const db = join(dir, 'fakeroot.db');
      assert.deepEqual(withFakerootDb(USER, db), { ...USER, fakeroot: { db } });
      assert.ok(existsSync(db));
      assert.equal(readFileSync(db, 'utf8'), '');
      writeFileSync(db, 'dev=fe00,ino=2,mode=40755,uid=0,gid=0,nlink=2,rdev=0\n');
      withFakerootDb(USER, db);
      assert.match(readFileSync(db, 'utf8'), /ino=2/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('root of a user namespace', () => {
  it("is told from uid_map: only the identity map of every id is the host's root", () => {
    assert.equal(inInitialUserNamespace('0 0 4294967295'), true);
    assert.equal(inInitialUserNamespace(undefined), true, 'no /proc: taken as the host');
    assert.equal(inInitialUserNamespace('0 1000 1\n1 100000 65536'), false, "rootless podman's root");
    assert.equal(inInitialUserNamespace('0 0 65536'), false, 'a namespace that maps part of the ids onto themselves');
  });

  it("is root of the tree but not the host's: no device nodes, no binfmt registration", () => {
    assert.equal(isHostRoot(ROOT), true);
    assert.equal(isHostRoot({ ...ROOT, nodev: true }), false);
    assert.equal(isHostRoot(USER), false);
  });

  it('readUidMap joins the words of each line with one space', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kiln-uidmap-'));
    try {
      writeFileSync(join(dir, 'uid_map'), '         0       1000          1\n         1     100000      65536\n');
      assert.equal(readUidMap(join(dir, 'uid_map')), '0 1000 1\n1 100000 65536');
      assert.equal(readUidMap(join(dir, 'none')), undefined);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
