import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { createWorkspace } from '../../../src/build/workspace.js';

describe('the build workspace', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'kiln-ws-unit-'));
  after(() => rmSync(tmp, { recursive: true, force: true }));

  it("has DIB's shapes under one kiln-XXXXXX root", () => {
    const ws = createWorkspace(join(tmp, 'with.dot'));
    assert.match(basename(ws.root), /^kiln-\w{6}$/);
    assert.equal(dirname(ws.root), join(tmp, 'with.dot'));
    assert.match(ws.build, /\/dib_build\.[A-Za-z0-9]{8}$/);
    assert.equal(dirname(ws.build), ws.root);
    assert.equal(ws.tree, join(ws.build, 'mnt'));
    assert.equal(ws.hooks, join(ws.build, 'hooks'), 'TMP_HOOKS_PATH is TMP_BUILD_DIR/hooks, as in DIB');
    assert.match(ws.image, /\/dib_image\.[A-Za-z0-9]{8}$/);
    assert.equal(dirname(ws.image), ws.root);
    for (const d of [ws.tree, ws.hooks, ws.image, ws.tmp]) assert.ok(statSync(d).isDirectory(), d);
  });

  it("gives DIB's source-repositories (TMP_MOUNT_PATH##*.) a plain suffix, even with a dot in TMP_DIR", () => {
    const ws = createWorkspace(join(tmp, 'a.b'));
    const r = spawnSync('bash', ['-c', `dirname "\${TMP_MOUNT_PATH##*.}"`], { env: { TMP_MOUNT_PATH: ws.tree }, encoding: 'utf8' });
    assert.equal(r.stdout.trim(), ws.build.slice(-8));
  });

  it('makes a fresh root each time', () => {
    const a = createWorkspace(tmp);
    const b = createWorkspace(tmp);
    assert.notEqual(a.root, b.root);
  });
});
