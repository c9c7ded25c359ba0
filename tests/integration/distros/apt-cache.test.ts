// The apt package cache (src/distros/apt-cache.ts) on real directories: offered to a tree by hard
// link, what "apt downloaded" kept by rename, the tree left without .debs, concurrent builds adding
// the same .deb, a symlinked archives directory resolved inside the tree, and pruning by age.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { aptCacheDir, harvestAptArchives, pruneAptCache, seedAptArchives } from '../../../src/distros/apt-cache.js';
import { aptSources } from '../../../src/distros/installed-packages.js';
import { Runner } from '../../../src/exec/runner.js';
import { silentLogger } from '../../../src/log.js';
import { currentIdentity } from '../../../src/sandbox/identity.js';
import { Tree } from '../../../src/tree/fs.js';

const work = mkdtempSync(join(tmpdir(), 'kiln-apt-cache-'));
after(() => rmSync(work, { recursive: true, force: true }));
const ctx = { runner: new Runner(), identity: currentIdentity(), log: silentLogger };

function tree(name: string): { root: string; archives: string } {
  const root = join(work, name);
  const archives = join(root, 'var/cache/apt/archives');
  mkdirSync(join(archives, 'partial'), { recursive: true });
  return { root, archives };
}

describe('apt package cache', () => {
  it('offers the cached .debs, keeps what was downloaded, and leaves no .deb in the tree', async () => {
    const cache = aptCacheDir(join(work, 'c1'), 'debian');
    mkdirSync(cache, { recursive: true });
    writeFileSync(join(cache, 'a_1.0_all.deb'), 'package a\n');
    writeFileSync(join(cache, 'b_2.0_amd64.deb'), 'package b\n');
    writeFileSync(join(cache, 'not-a-package.txt'), 'x\n');
    const t = tree('t1');
    assert.equal(await seedAptArchives(ctx, new Tree(t.root), cache), 2);
    assert.deepEqual(readdirSync(t.archives).sort(), ['a_1.0_all.deb', 'b_2.0_amd64.deb', 'partial']);
    assert.equal(statSync(join(t.archives, 'a_1.0_all.deb')).ino, statSync(join(cache, 'a_1.0_all.deb')).ino, 'a hard link, not a copy');

    writeFileSync(join(t.archives, 'c_3.0_amd64.deb'), 'package c, downloaded\n'); // what apt fetched
    const r = await harvestAptArchives(ctx, new Tree(t.root), cache);
    assert.deepEqual(r, { added: ['c_3.0_amd64.deb'], removed: 3 });
    assert.equal(readFileSync(join(cache, 'c_3.0_amd64.deb'), 'utf8'), 'package c, downloaded\n');
    assert.deepEqual(readdirSync(t.archives), ['partial'], 'no .deb stays in the image');
    assert.deepEqual(readdirSync(cache).sort(), ['a_1.0_all.deb', 'b_2.0_amd64.deb', 'c_3.0_amd64.deb', 'not-a-package.txt']);
  });

  it('a tree without /var/cache/apt/archives is left alone', async () => {
    const root = join(work, 'no-apt');
    mkdirSync(join(root, 'etc'), { recursive: true });
    assert.equal(await seedAptArchives(ctx, new Tree(root), join(work, 'c1/apt/debian')), undefined);
    assert.deepEqual(await harvestAptArchives(ctx, new Tree(root), join(work, 'c1/apt/debian')), { added: [], removed: 0 });
  });

  it('a symlinked archives directory is followed inside the tree, never to a host directory', async () => {
    const host = join(work, 'host-dir');
    mkdirSync(host);
    const cache = aptCacheDir(join(work, 'c2'), 'debian');
    mkdirSync(cache, { recursive: true });
    writeFileSync(join(cache, 'a_1.0_all.deb'), 'package a\n');
    const root = join(work, 'evil');
    mkdirSync(join(root, 'var/cache/apt'), { recursive: true });
    mkdirSync(join(root, 'srv/archives'), { recursive: true });
    // absolute: on the host it would lead to host-dir; in the tree it means <tree>/srv/archives
    symlinkSync('/srv/archives', join(root, 'var/cache/apt/archives'));
    assert.equal(await seedAptArchives(ctx, new Tree(root), cache), 1);
    assert.deepEqual(readdirSync(join(root, 'srv/archives')), ['a_1.0_all.deb']);
    assert.deepEqual(readdirSync(host), []);
  });

  it('concurrent builds adding the same .debs: every file whole, no temporary file left', async () => {
    const cache = aptCacheDir(join(work, 'c3'), 'debian');
    const body = Buffer.alloc(4 * 1024 * 1024, 'deb ');
    const trees = ['p1', 'p2', 'p3', 'p4'].map((n) => {
      const t = tree(n);
      for (let i = 0; i < 5; i++) writeFileSync(join(t.archives, `pkg${i}_1_all.deb`), body);
      return t;
    });
    // four processes at once, as four builds would
    const mod = new URL('../../../src/distros/apt-cache.js', import.meta.url).href;
    const rt = new URL('../../../src/exec/runner.js', import.meta.url).href;
    const id = new URL('../../../src/sandbox/identity.js', import.meta.url).href;
    const fs = new URL('../../../src/tree/fs.js', import.meta.url).href;
    const script = `const [{ harvestAptArchives }, { Runner }, { currentIdentity }, { Tree }] = await Promise.all([import('${mod}'), import('${rt}'), import('${id}'), import('${fs}')]);
      const r = await harvestAptArchives({ runner: new Runner(), identity: currentIdentity() }, new Tree(process.argv[1]), process.argv[2]);
      process.stdout.write(JSON.stringify(r));`;
    const results = await Promise.all(
      trees.map(
        (t) =>
          new Promise<{ removed: number }>((res, rej) =>
            execFile(process.execPath, ['--input-type=module', '-e', script, t.root, cache], (e, out) => (e ? rej(e) : res(JSON.parse(out)))),
          ),
      ),
    );
    assert.ok(results.every((r) => r.removed === 5));
    assert.deepEqual(
      readdirSync(cache).sort(),
      [0, 1, 2, 3, 4].map((i) => `pkg${i}_1_all.deb`),
    );
    for (const f of readdirSync(cache)) assert.ok(readFileSync(join(cache, f)).equals(body), f);
  });

  it('prune removes .debs older than the age given, or all, and leaves the rest', () => {
    const root = join(work, 'c4');
    const cache = aptCacheDir(root, 'debian');
    mkdirSync(cache, { recursive: true });
    for (const n of ['old_1_all.deb', 'new_1_all.deb', 'keep.txt']) writeFileSync(join(cache, n), n);
    const tenDaysAgo = new Date(Date.now() - 10 * 86_400_000);
    utimesSync(join(cache, 'old_1_all.deb'), tenDaysAgo, tenDaysAgo);
    assert.deepEqual(pruneAptCache(root, { olderThanDays: 7 }).removed, ['debian/old_1_all.deb']);
    assert.deepEqual(readdirSync(cache).sort(), ['keep.txt', 'new_1_all.deb']);
    assert.deepEqual(pruneAptCache(root, { all: true }).removed, ['debian/new_1_all.deb']);
  });
});

describe('package sources of an apt tree', () => {
  it("maps each installed version to the archive whose index lists it, with the archive's Release date", () => {
    const root = join(work, 'lists-tree');
    const lists = join(root, 'var/lib/apt/lists');
    mkdirSync(lists, { recursive: true });
    const rel = (suite: string, date: string) => `Origin: Debian\nSuite: ${suite}\nCodename: bookworm\nDate: ${date}\n`;
    writeFileSync(join(lists, 'mirror.invalid_debian_dists_bookworm_InRelease'), rel('stable', 'Sat, 07 Oct 2023 09:30:12 UTC'));
    writeFileSync(join(lists, 'mirror.invalid_debian_dists_bookworm-updates_InRelease'), rel('stable-updates', 'Mon, 09 Oct 2023 20:12:00 UTC'));
    writeFileSync(join(lists, 'mirror.invalid_debian_dists_bookworm_main_binary-amd64_Packages'), 'Package: a\nVersion: 1\n\nPackage: b\nVersion: 2\n');
    writeFileSync(join(lists, 'mirror.invalid_debian_dists_bookworm-updates_main_binary-amd64_Packages'), 'Package: b\nVersion: 2.1\n');
    const r = aptSources(new Tree(root), [
      { name: 'a', version: '1', arch: 'amd64' },
      { name: 'b', version: '2.1', arch: 'amd64' },
      { name: 'c', version: '9', arch: 'all' },
    ]);
    assert.deepEqual(
      r.sources.map((s) => `${s.uri} ${s.suite} ${s.date}`),
      ['mirror.invalid/debian stable-updates Mon, 09 Oct 2023 20:12:00 UTC', 'mirror.invalid/debian stable Sat, 07 Oct 2023 09:30:12 UTC'],
    );
    const src = (n: string) => r.sources[r.packages.find((p) => p.name === n)!.source!]?.suite;
    assert.equal(src('a'), 'stable');
    assert.equal(src('b'), 'stable-updates');
    assert.equal(r.packages.find((p) => p.name === 'c')!.source, undefined, 'a version no index lists has no source');
  });
});
