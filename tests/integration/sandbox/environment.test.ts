/**
 * Environment detection on this host, in the real environments: real root, root of a single-uid
 * and of a full-range user namespace (as rootless containers make), a user with subordinate ids
 * (kiln-test) and one without (nobody, which gets the fakeroot mode). Each prints the strategy or the KilnError it gets.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { REPO } from '../../helpers/block-device.js';

const isRoot = process.getuid?.() === 0;
const CI = process.env.CI === 'true';
const skip = !isRoot && !CI ? 'needs root to switch users and make namespaces' : false;
const LOGIN_PATH = '/usr/local/bin:/usr/bin:/bin:/usr/games';

const SCRIPT = `
const { checkEnvironment } = await import('${REPO}/dist/src/sandbox/environment.js');
const { currentIdentity } = await import('${REPO}/dist/src/sandbox/identity.js');
try { console.log(JSON.stringify(checkEnvironment(currentIdentity(), '${LOGIN_PATH}'))); }
catch (e) { console.log('error: ' + e.message + ' | hint: ' + e.hint); }
`;

function detect(prefix: string[]): string {
  const argv = [...prefix, process.execPath, '--input-type=module', '-e', SCRIPT];
  const r = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8', cwd: '/' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim();
}

describe('environment detection in real namespaces', { skip }, () => {
  it('real root', () => {
    assert.equal(detect([]), '{"kind":"root"}');
  });
  it('root of a single-uid user namespace: fakeroot mode, naming the map', () => {
    assert.match(
      detect(['unshare', '--user', '--map-root-user']),
      /^\{"kind":"fakeroot","why":"root of a user namespace that maps 1 id .*fewer than a tree's 65536"\}$/,
    );
  });
  it('root of a full-range user namespace (what rootless podman makes)', () => {
    const out = detect(['runuser', '-u', 'kiln-test', '--', 'unshare', '--user', '--map-auto', '--map-root-user']);
    assert.match(out, /^\{"kind":"userns-root","count":(\d+)\}$/);
    assert.ok(Number(/"count":(\d+)/.exec(out)![1]) >= 65536);
  });
  it('a user with subordinate ids, with the login PATH (newuidmap found)', () => {
    assert.equal(detect(['runuser', '-u', 'kiln-test', '--']), '{"kind":"subids"}');
  });
  it('a user with subordinate ids, inside a user namespace that maps only that user: fakeroot mode', () => {
    assert.match(
      detect(['runuser', '-u', 'kiln-test', '--', 'unshare', '--user', '--map-current-user']),
      /^\{"kind":"fakeroot","why":"kiln-test is in a user namespace that maps 1 id .*"\}$/,
    );
  });
  it('a user without subordinate ids: fakeroot mode', () => {
    assert.equal(detect(['runuser', '-u', 'nobody', '--']), '{"kind":"fakeroot","why":"nobody has no subordinate id range of 65536 ids in /etc/subuid"}');
  });
});
