// The build-state files (build-state.ts) normalised in a tree with real host tools, and never
// through a symlink to the host.
import assert from 'node:assert/strict';
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { normaliseBuildState } from '../../../src/build/build-state.js';
import { Runner } from '../../../src/exec/runner.js';
import { silentLogger } from '../../../src/log.js';
import { currentIdentity } from '../../../src/sandbox/identity.js';
import { Tree } from '../../../src/tree/fs.js';
import { makeCanary, type Canary } from '../../helpers/canary.js';

const ctx = { runner: new Runner(), identity: currentIdentity(), log: silentLogger };
const EPOCH = 1700000000; // day 19675
const SHADOW = ['root:*:20100:0:99999:7:::', 'daemon:*:19000:0:99999:7:::', 'nochange:!::0:99999:7:::', 'user:$y$j9T$x:20100:0:99999:7:::', ''].join('\n');

describe('build state', () => {
  let root: string;
  let canary: Canary;
  let before: string[];
  const at = (p: string) => join(root, p);
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'kiln-build-state-'));
    for (const d of ['etc', 'var/lib/dbus', 'var/lib/systemd', 'var/cache/ldconfig']) mkdirSync(at(d), { recursive: true });
    canary = makeCanary();
    before = canary.snapshot();
  });
  afterEach(() => {
    assert.deepEqual(canary.snapshot(), before, 'the host canary is untouched');
    rmSync(root, { recursive: true, force: true });
    rmSync(canary.dir, { recursive: true, force: true });
  });

  it('removes the caches and seeds, empties machine-id, clamps the shadow change days; modes kept', async () => {
    writeFileSync(at('etc/machine-id'), '0123456789abcdef0123456789abcdef\n');
    symlinkSync('/etc/machine-id', at('var/lib/dbus/machine-id')); // as Debian has it: left alone
    writeFileSync(at('var/cache/ldconfig/aux-cache'), 'stat cache');
    writeFileSync(at('var/lib/systemd/random-seed'), 'random');
    writeFileSync(at('etc/shadow'), SHADOW);
    chmodSync(at('etc/shadow'), 0o640);
    await normaliseBuildState(ctx, new Tree(root), EPOCH);
    assert.equal(readFileSync(at('etc/machine-id'), 'utf8'), '');
    assert.ok(lstatSync(at('var/lib/dbus/machine-id')).isSymbolicLink());
    assert.ok(!existsSync(at('var/cache/ldconfig/aux-cache')));
    assert.ok(!existsSync(at('var/lib/systemd/random-seed')));
    assert.equal(
      readFileSync(at('etc/shadow'), 'utf8'),
      ['root:*:19675:0:99999:7:::', 'daemon:*:19000:0:99999:7:::', 'nochange:!::0:99999:7:::', 'user:$y$j9T$x:19675:0:99999:7:::', ''].join('\n'),
    );
    assert.equal(statSync(at('etc/shadow')).mode & 0o7777, 0o640);
  });

  it('a tree without the files: nothing to do; a second pass changes nothing', async () => {
    await normaliseBuildState(ctx, new Tree(root), EPOCH);
    writeFileSync(at('etc/shadow'), SHADOW);
    await normaliseBuildState(ctx, new Tree(root), EPOCH);
    const once = readFileSync(at('etc/shadow'), 'utf8');
    await normaliseBuildState(ctx, new Tree(root), EPOCH);
    assert.equal(readFileSync(at('etc/shadow'), 'utf8'), once);
  });

  it('links to the host are resolved in the tree: the host files stay as they are', async () => {
    symlinkSync(canary.file, at('etc/shadow')); // <tree><canary path>: absent in the tree
    symlinkSync(canary.file, at('etc/machine-id'));
    symlinkSync(canary.file, at('var/cache/ldconfig/aux-cache')); // a link is never removed as a file
    symlinkSync('../../..', at('var/lib/systemd/random-seed'));
    await normaliseBuildState(ctx, new Tree(root), EPOCH);
    assert.ok(lstatSync(at('var/cache/ldconfig/aux-cache')).isSymbolicLink());
    assert.ok(lstatSync(at('var/lib/systemd/random-seed')).isSymbolicLink());
  });
});
