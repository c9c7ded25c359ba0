// --pin puts back the times of the tree directories its files passed through (pin.ts), as root of the
// tree, to the nanosecond, through a symlinked directory resolved inside the tree.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { dirTimes, restoreDirTimes } from '../../../src/build/pin.js';
import { Runner } from '../../../src/exec/runner.js';
import { currentIdentity } from '../../../src/sandbox/identity.js';
import { Tree } from '../../../src/tree/fs.js';

const work = mkdtempSync(join(tmpdir(), 'kiln-pin-dirs-'));
after(() => rmSync(work, { recursive: true, force: true }));

it('directory times read before a change are written back exactly', async () => {
  const root = join(work, 'tree');
  mkdirSync(join(root, 'etc/apt/preferences.d'), { recursive: true });
  mkdirSync(join(root, 'srv/lib'), { recursive: true });
  mkdirSync(join(root, 'var'));
  symlinkSync('/srv/lib', join(root, 'var/lib'));
  const old = new Date(1_600_000_000_123);
  for (const d of ['etc/apt/preferences.d', 'srv/lib']) utimesSync(join(root, d), old, old);
  const tree = new Tree(root);
  const times = dirTimes(tree, ['/etc/apt/preferences.d', '/var/lib', '/etc/absent']);
  assert.deepEqual([...times.keys()], ['/etc/apt/preferences.d', '/var/lib']);
  writeFileSync(join(root, 'etc/apt/preferences.d/x'), 'x');
  rmSync(join(root, 'etc/apt/preferences.d/x'));
  mkdirSync(join(root, 'srv/lib/kiln-pin'));
  rmSync(join(root, 'srv/lib/kiln-pin'), { recursive: true });
  assert.notEqual(statSync(join(root, 'srv/lib'), { bigint: true }).mtimeNs, times.get('/var/lib'));
  await restoreDirTimes({ runner: new Runner(), identity: currentIdentity() }, tree, times);
  for (const [d, host] of [
    ['/etc/apt/preferences.d', 'etc/apt/preferences.d'],
    ['/var/lib', 'srv/lib'],
  ] as const) {
    assert.equal(statSync(join(root, host), { bigint: true }).mtimeNs, times.get(d), d);
  }
  assert.ok(statSync(join(root, 'srv/lib')).mtimeMs < 1_600_000_001_000, 'the old time, not the moment of the change');
});
