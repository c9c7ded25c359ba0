// The start-of-build sweep: cache temp files are named after their writer (pid + start time);
// those of dead writers go, those of live ones (a build running beside us) stay.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { processStartTime } from '../../../src/exec/process-tag.js';
import { pruneCache, removeDeadTemps, tempBootstrapPath, tempWriterDead } from '../../../src/cache/store.js';

test("tempBootstrapPath names the writer; removeDeadTemps removes dead writers' files only", () => {
  const dir = mkdtempSync(join(tmpdir(), 'kiln-cache-sweep-'));
  try {
    const mine = tempBootstrapPath(dir, 'abc123');
    assert.match(basename(mine), new RegExp(`^\\.tmp-abc123-${process.pid}\\.${processStartTime(process.pid)}\\.tar\\.zst$`));
    const dead = spawnSync('true').pid!;
    const bdir = join(dir, 'bootstrap');
    const names = {
      mine: basename(mine),
      deadTarball: `.tmp-abc123-${dead}.777.tar.zst`,
      reusedPid: `.tmp-def456-${process.pid}.1.tar.zst`,
      deadMeta: `abc123.json..tmp-${dead}.777`,
      oldFormat: `.tmp-abc123-${dead}-1700000000000.tar.zst`,
      entry: 'abc123.tar.zst',
    };
    mkdirSync(bdir, { recursive: true });
    for (const n of Object.values(names)) writeFileSync(join(bdir, n), 'x');
    assert.equal(tempWriterDead(names.mine), false);
    const removed = removeDeadTemps(dir).sort();
    assert.deepEqual(removed, [names.deadTarball, names.reusedPid, names.deadMeta].sort());
    assert.deepEqual(
      readdirSync(bdir).sort(),
      [names.mine, names.oldFormat, names.entry].sort(),
      "a live writer's file, an untagged (older Kiln) temp file and an entry stay",
    );
    // kiln cache prune: dead writers' files go at once too (untagged ones after a day)
    writeFileSync(join(bdir, names.deadTarball), 'x');
    pruneCache(dir, {});
    assert.ok(!readdirSync(bdir).includes(names.deadTarball));
    assert.ok(readdirSync(bdir).includes(names.mine));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('removeDeadTemps: no cache directory yet is nothing to do', () => {
  assert.deepEqual(removeDeadTemps(join(tmpdir(), 'kiln-no-such-cache-dir')), []);
});
