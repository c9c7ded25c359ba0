import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bootstrapPaths, listCache, lookupBootstrap, pruneCache, storeBootstrap, tempBootstrapPath } from '../../../src/cache/store.js';

function withDir(fn: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'kiln-cache-'));
  try {
    fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function put(dir: string, key: string, bytes: number, created: Date): void {
  const tmp = tempBootstrapPath(dir, key);
  writeFileSync(tmp, Buffer.alloc(bytes, 1));
  storeBootstrap(dir, key, tmp, { release: key }, created);
}

test('store then lookup: tarball and metadata, no temp file left', () =>
  withDir((dir) => {
    put(dir, 'k1', 1000, new Date('2026-01-01T00:00:00Z'));
    const e = lookupBootstrap(dir, 'k1');
    assert.ok(e);
    assert.equal(e.size, 1000);
    assert.equal(e.created, '2026-01-01T00:00:00.000Z');
    assert.deepEqual(e.inputs, { release: 'k1' });
    assert.equal(e.file, bootstrapPaths(dir, 'k1').tarball);
    assert.deepEqual(readdirSync(join(dir, 'bootstrap')).sort(), ['k1.json', 'k1.tar.zst']);
  }));

test('lookup ignores a missing tarball, but returns a truncated one (verifyBootstrap calls it corrupt)', () =>
  withDir((dir) => {
    assert.equal(lookupBootstrap(dir, 'nope'), undefined);
    put(dir, 'k1', 1000, new Date());
    writeFileSync(bootstrapPaths(dir, 'k1').tarball, 'short');
    assert.equal(lookupBootstrap(dir, 'k1')?.size, 1000, "the recorded size, not the file's");
    rmSync(bootstrapPaths(dir, 'k1').tarball);
    assert.equal(lookupBootstrap(dir, 'k1'), undefined);
  }));

test('listCache lists complete entries, oldest first', () =>
  withDir((dir) => {
    assert.deepEqual(listCache(dir), []);
    put(dir, 'new', 10, new Date('2026-03-01T00:00:00Z'));
    put(dir, 'old', 10, new Date('2026-01-01T00:00:00Z'));
    writeFileSync(tempBootstrapPath(dir, 'partial'), 'x');
    assert.deepEqual(
      listCache(dir).map((e) => e.key),
      ['old', 'new'],
    );
  }));

test('pruneCache --older-than removes only old entries; --all removes everything', () =>
  withDir((dir) => {
    const now = new Date('2026-03-10T00:00:00Z');
    put(dir, 'old', 10, new Date('2026-03-01T00:00:00Z'));
    put(dir, 'new', 10, new Date('2026-03-09T00:00:00Z'));
    assert.deepEqual(
      pruneCache(dir, { olderThanDays: 5, now }).map((e) => e.key),
      ['old'],
    );
    assert.ok(!existsSync(bootstrapPaths(dir, 'old').tarball));
    assert.deepEqual(
      listCache(dir).map((e) => e.key),
      ['new'],
    );
    assert.deepEqual(pruneCache(dir, { olderThanDays: 5, now }), []);
    assert.deepEqual(
      pruneCache(dir, { all: true, now }).map((e) => e.key),
      ['new'],
    );
    assert.deepEqual(listCache(dir), []);
  }));

test('pruneCache removes stale temporary files but not fresh ones (a build may be writing)', () =>
  withDir((dir) => {
    const stale = tempBootstrapPath(dir, 'a');
    const fresh = tempBootstrapPath(dir, 'b');
    writeFileSync(stale, 'x');
    writeFileSync(fresh, 'y');
    const twoDaysAgo = new Date(Date.now() - 2 * 86_400_000);
    utimesSync(stale, twoDaysAgo, twoDaysAgo);
    pruneCache(dir, { olderThanDays: 30 });
    assert.ok(!existsSync(stale));
    assert.ok(existsSync(fresh));
  }));
