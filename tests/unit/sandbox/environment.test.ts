/** Each environment, told from its facts: the strategy, or one KilnError naming what is missing and the fix. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KilnError } from '../../../src/errors.js';
import { classifyEnvironment, type HostFacts, mappedIds } from '../../../src/sandbox/environment.js';

const ALL_CAPS = 0x000001ffffffffffn;
const DOCKER_CAPS = 0x00000000a80425fbn; // Docker's default set: no CAP_SYS_ADMIN
const RANGE = { start: 200000, count: 65536 };
const TOOL = { path: '/usr/bin/newuidmap', setuidRoot: true };
const USER: HostFacts = {
  uid: 1001,
  user: 'kiln-test',
  uidMap: '0 0 4294967295',
  capEff: 0n,
  subuid: RANGE,
  subgid: RANGE,
  newuidmap: TOOL,
  newgidmap: { ...TOOL, path: '/usr/bin/newgidmap' },
  fakeroot: '/usr/bin/fakeroot',
};

function fails(f: HostFacts, message: RegExp, hint: RegExp): void {
  assert.throws(
    () => classifyEnvironment(f),
    (e: unknown) => {
      assert.ok(e instanceof KilnError, String(e));
      assert.match(e.message, message);
      assert.match(e.hint ?? '', hint);
      return true;
    },
  );
}

describe('classifyEnvironment', () => {
  it('real root: the initial namespace with CAP_SYS_ADMIN', () => {
    assert.deepEqual(classifyEnvironment({ uid: 0, user: 'root', uidMap: '0 0 4294967295', capEff: ALL_CAPS }), { kind: 'root' });
  });

  it('root without CAP_SYS_ADMIN (a Docker container by default) is told so, not blamed on the environment', () => {
    fails({ uid: 0, user: 'root', uidMap: '0 0 4294967295', capEff: DOCKER_CAPS }, /root without CAP_SYS_ADMIN/, /rootless podman|cap-add SYS_ADMIN/);
  });

  it('root of a user namespace with a full range (rootless podman): userns-root', () => {
    const uidMap = '0 1000 1\n1 100000 65536';
    assert.equal(mappedIds(uidMap), 65537);
    assert.deepEqual(classifyEnvironment({ uid: 0, user: 'root', uidMap, capEff: ALL_CAPS }), { kind: 'userns-root', count: 65537 });
  });

  it("rootless podman's root without CAP_SYS_ADMIN (podman's default): the hint gives the container's own capability", () => {
    fails(
      { uid: 0, user: 'root', uidMap: '0 1000 1\n1 100000 65536', capEff: DOCKER_CAPS },
      /root without CAP_SYS_ADMIN/,
      /podman run --cap-add SYS_ADMIN\).*the Kiln image's kiln/,
    );
  });

  it('root of a single-uid user namespace: fakeroot mode, naming the map', () => {
    const env = classifyEnvironment({ uid: 0, user: 'root', uidMap: '0 1000 1', capEff: ALL_CAPS, fakeroot: '/usr/bin/fakeroot' });
    assert.equal(env.kind, 'fakeroot');
    assert.match(env.kind === 'fakeroot' ? env.why : '', /maps 1 id \(\/proc\/self\/uid_map: 0 1000 1\), fewer than a tree's 65536/);
    assert.equal(
      classifyEnvironment({ uid: 0, user: 'root', uidMap: '0 1000 1\n1 100000 999', capEff: ALL_CAPS, fakeroot: '/usr/bin/fakeroot' }).kind,
      'fakeroot',
    );
  });

  it('root of a single-uid user namespace without fakeroot: names the map, fakeroot and the full range', () => {
    fails({ uid: 0, user: 'root', uidMap: '0 1000 1', capEff: ALL_CAPS }, /maps 1 id .*fakeroot is not installed/, /fakeroot package.*full id range/);
  });

  it('a user with subordinate ids and setuid newuidmap/newgidmap', () => {
    assert.deepEqual(classifyEnvironment(USER), { kind: 'subids' });
  });

  it('a user without subordinate ids (or with too short a range): fakeroot mode, which needs no newuidmap', () => {
    const { subuid: _, newuidmap: _u, newgidmap: _g, ...noSub } = USER;
    assert.deepEqual(classifyEnvironment(noSub), { kind: 'fakeroot', why: 'kiln-test has no subordinate id range of 65536 ids in /etc/subuid' });
    assert.deepEqual(classifyEnvironment({ ...USER, subgid: { start: 1, count: 1000 } }), {
      kind: 'fakeroot',
      why: 'kiln-test has no subordinate id range of 65536 ids in /etc/subgid',
    });
  });

  it('a user without subordinate ids and without fakeroot: names /etc/subuid, fakeroot and usermod', () => {
    const { subuid: _, fakeroot: _f, ...noSub } = USER;
    fails(
      noSub,
      /kiln-test has no subordinate id range of 65536 ids in \/etc\/subuid, and fakeroot is not installed/,
      /fakeroot package.*usermod --add-subuids/,
    );
  });

  it('a user in a user namespace that maps fewer than 65536 ids: fakeroot mode, whatever /etc/subuid says there', () => {
    const env = classifyEnvironment({ ...USER, uidMap: '1001 1001 1' });
    assert.equal(env.kind, 'fakeroot');
    assert.match(env.kind === 'fakeroot' ? env.why : '', /kiln-test is in a user namespace that maps 1 id \(\/proc\/self\/uid_map: 1001 1001 1\)/);
    assert.deepEqual(classifyEnvironment({ ...USER, uidMap: '0 1000 1\n1 100000 65536' }), { kind: 'subids' });
  });

  it('without subordinate ids, disabled user namespaces still stop the build (fakeroot mode needs one)', () => {
    const { subuid: _, ...noSub } = USER;
    fails({ ...noSub, usernsClone: '0' }, /kernel\.unprivileged_userns_clone = 0/, /sysctl/);
  });

  it('newuidmap missing or without its setuid bit', () => {
    const { newuidmap: _, ...noTool } = USER;
    fails(noTool, /newuidmap not found/, /uidmap package/);
    fails({ ...USER, newgidmap: { path: '/usr/bin/newgidmap', setuidRoot: false } }, /\/usr\/bin\/newgidmap is not setuid root/, /chmod u\+s|cap_setgid/);
  });

  it('user namespaces disabled by sysctl or restricted by AppArmor', () => {
    fails({ ...USER, usernsClone: '0' }, /kernel\.unprivileged_userns_clone = 0/, /sysctl -w kernel\.unprivileged_userns_clone=1/);
    fails({ ...USER, maxUserNamespaces: '0' }, /user\.max_user_namespaces = 0/, /sysctl/);
    fails({ ...USER, apparmorRestrict: '1' }, /AppArmor restricts/, /apparmor_restrict_unprivileged_userns=0/);
    assert.deepEqual(classifyEnvironment({ ...USER, usernsClone: '1', maxUserNamespaces: '96363', apparmorRestrict: '0' }), { kind: 'subids' });
  });
});
