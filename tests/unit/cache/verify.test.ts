// Cache entries carry the sha256 of their tarball; a lookup checks it (hashing only when the file
// changed since it was last checked), and a failed unpack of a damaged tarball is recognised.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, openSync, closeSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { bootstrapPaths, listCache, lookupBootstrap, storeBootstrap, tempBootstrapPath } from '../../../src/cache/store.js';
import { looksCorrupt, pruneCorrupt, sha256File, verifyBootstrap } from '../../../src/cache/verify.js';

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'kiln-cache-verify-'));
  try {
    await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function put(dir: string, key: string, data: Buffer): Promise<void> {
  const tmp = tempBootstrapPath(dir, key);
  writeFileSync(tmp, data);
  storeBootstrap(dir, key, tmp, { release: key }, new Date(), await sha256File(tmp));
}

/** Flip one byte in place; with `keepTimes`, restore the mtime afterwards (corruption a stat cannot see). */
function flip(file: string, at: number, keepTimes = false): void {
  const ref = `${file}.times`;
  if (keepTimes) execFileSync('touch', ['-r', file, ref]); // exact to the nanosecond, unlike utimes from a stat
  const b = readFileSync(file);
  const fd = openSync(file, 'r+');
  writeSync(fd, Buffer.from([b[at]! ^ 0xff]), 0, 1, at);
  closeSync(fd);
  if (keepTimes) {
    execFileSync('touch', ['-r', ref, file]);
    rmSync(ref);
  }
}

const data = Buffer.from(Array.from({ length: 4096 }, (_, i) => i % 251));

test('a stored entry records the sha256 of its tarball and the stamp it was verified with', () =>
  withDir(async (dir) => {
    await put(dir, 'k', data);
    const meta = JSON.parse(readFileSync(bootstrapPaths(dir, 'k').meta, 'utf8')) as Record<string, any>;
    assert.equal(meta.sha256, createHash('sha256').update(data).digest('hex'));
    const st = statSync(bootstrapPaths(dir, 'k').tarball);
    assert.deepEqual(meta.verified, { ino: st.ino, size: st.size, mtimeMs: st.mtimeMs });
    assert.equal(await verifyBootstrap(dir, lookupBootstrap(dir, 'k')!), undefined);
  }));

test('flipped bytes, a truncation and a missing file are reported as corrupt', () =>
  withDir(async (dir) => {
    await put(dir, 'f', data);
    flip(bootstrapPaths(dir, 'f').tarball, 100);
    assert.match((await verifyBootstrap(dir, lookupBootstrap(dir, 'f')!))!, /its sha256 is [0-9a-f]{12}\.\.\., but [0-9a-f]{12}\.\.\. was stored/);
    await put(dir, 't', data);
    truncateSync(bootstrapPaths(dir, 't').tarball, 1000);
    assert.equal(await verifyBootstrap(dir, lookupBootstrap(dir, 't')!), 'it is 1000 bytes, but 4096 were stored');
    const e = lookupBootstrap(dir, 't')!;
    rmSync(e.file);
    assert.match((await verifyBootstrap(dir, e))!, /cannot read it/);
  }));

test('an unchanged stamp skips the hash; a full check (prune --corrupt) still finds hidden damage', () =>
  withDir(async (dir) => {
    await put(dir, 'h', data);
    await put(dir, 'ok', data);
    flip(bootstrapPaths(dir, 'h').tarball, 7, true);
    assert.equal(await verifyBootstrap(dir, lookupBootstrap(dir, 'h')!), undefined, 'trusted: same inode, size and mtime');
    assert.match((await verifyBootstrap(dir, lookupBootstrap(dir, 'h')!, { full: true }))!, /sha256/);
    const removed = await pruneCorrupt(dir);
    assert.deepEqual(
      removed.map((r) => r.entry.key),
      ['h'],
    );
    assert.deepEqual(
      listCache(dir).map((e) => e.key),
      ['ok'],
    );
  }));

test('an entry of an older Kiln (no sha256) is hashed once and then carries one', () =>
  withDir(async (dir) => {
    const tmp = tempBootstrapPath(dir, 'old');
    writeFileSync(tmp, data);
    storeBootstrap(dir, 'old', tmp, { release: 'old' });
    assert.equal(lookupBootstrap(dir, 'old')!.sha256, undefined);
    assert.equal(await verifyBootstrap(dir, lookupBootstrap(dir, 'old')!), undefined);
    const e = lookupBootstrap(dir, 'old')!;
    assert.equal(e.sha256, createHash('sha256').update(data).digest('hex'));
    assert.equal(e.verified?.size, data.length);
    flip(e.file, 0);
    assert.match((await verifyBootstrap(dir, lookupBootstrap(dir, 'old')!))!, /sha256/);
  }));

test('looksCorrupt: what tar --zstd says about a damaged tarball, not about a full disk', () =>
  withDir(async (dir) => {
    mkdirSync(join(dir, 'tree'));
    writeFileSync(join(dir, 'tree/big'), Buffer.from(Array.from({ length: 200_000 }, (_, i) => (i * 7919) % 256)));
    const tz = join(dir, 't.tar.zst');
    assert.equal(spawnSync('tar', ['--zstd', '-cf', tz, '-C', join(dir, 'tree'), '.']).status, 0);
    mkdirSync(join(dir, 'x'));
    for (const damage of [() => flip(tz, Math.floor(statSync(tz).size / 2)), () => truncateSync(tz, 40), () => writeFileSync(tz, 'not a tarball')]) {
      damage();
      const r = spawnSync('tar', ['--zstd', '-C', join(dir, 'x'), '-xpf', tz], { encoding: 'utf8' });
      assert.notEqual(r.status, 0);
      assert.ok(looksCorrupt(r.stderr), r.stderr);
    }
    assert.ok(!looksCorrupt('tar: ./usr/bin/x: Cannot write: No space left on device\ntar: Child returned status 1'));
  }));
