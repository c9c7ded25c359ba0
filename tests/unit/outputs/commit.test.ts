// Temporary names (O_EXCL, unpredictable, per image name), the sweep, and committing an output with
// its checksums: symlinks at the output or checksum path are replaced, never followed; backups of
// OVERWRITE_OLD_IMAGE=0 never clobber one another and their checksums name the kept file.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { stageChecksums, writeChecksums } from '../../../src/outputs/checksum.js';
import { commitOutput } from '../../../src/outputs/commit.js';
import { createTempFile, isTempOf, sweepStaleTemps, TempFiles } from '../../../src/outputs/temp.js';

const root = mkdtempSync(join(tmpdir(), 'kiln-commit-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const freshDir = () => {
  const d = join(root, `d${n++}`);
  mkdirSync(d);
  return d;
};
const now = new Date(Date.UTC(2026, 0, 2, 3, 4, 5));

/** Write `content` as the output `img.tar` of `dir` through the real staging path; returns kept files. */
async function put(dir: string, content: string, overwrite: boolean, algorithms: ('md5' | 'sha256')[] = ['md5', 'sha256']): Promise<string[]> {
  const temps = new TempFiles(dir, 'img');
  try {
    const file = temps.create('tar');
    writeFileSync(file, content);
    const final = join(dir, 'img.tar');
    const checksums = await stageChecksums(file, final, algorithms, (a) => temps.create(`tar.${a}`));
    return commitOutput({ file, final, checksums }, { imageName: 'img', overwrite, now, temp: (t) => temps.create(`tar.${t}`) }).map((k) =>
      k.slice(dir.length + 1),
    );
  } finally {
    temps.removeAll();
  }
}

const check = (dir: string, tool: 'md5sum' | 'sha256sum', file: string) => execFileSync(tool, ['-c', '--strict', file], { cwd: dir, encoding: 'utf8' });

describe('temporary output files', () => {
  it('are hidden, unpredictable, created empty with O_EXCL, and tell their image name apart', () => {
    const dir = freshDir();
    const a = createTempFile(dir, 'img', 'qcow2');
    const b = createTempFile(dir, 'img', 'qcow2');
    assert.notEqual(a, b);
    assert.match(a, /\/\.img\.kiln-tmp-[0-9a-f]{16}\.qcow2$/);
    assert.equal(lstatSync(a).size, 0);
    assert.equal(lstatSync(a).mode & 0o777, 0o644 & ~process.umask());
    const name = a.slice(dir.length + 1);
    assert.ok(isTempOf(name, 'img'));
    assert.ok(!isTempOf(name, 'im'));
    assert.ok(!isTempOf(name.replace('.img.', '.img.docker.'), 'img'), "a temp of 'img.docker' is not one of 'img'");
    assert.ok(!isTempOf('.img.kiln-lock', 'img'));
    assert.throws(() => createTempFile(dir, 'img', 'x.kiln-tmp-0'), /must not contain/);
  });

  it('the sweep removes only temp files of that image name (and old-style ones of dead builds)', () => {
    const dir = freshDir();
    const mine = createTempFile(dir, 'img', 'tar');
    const other = createTempFile(dir, 'img.docker', 'tar');
    writeFileSync(join(dir, '.img.tar.new-999999999'), 'left by an old Kiln that died');
    writeFileSync(join(dir, `.img.tar.new-${process.pid}`), 'old-style, but its process lives');
    for (const f of ['img.tar', 'img.tar.md5', '.img.kiln-lock']) writeFileSync(join(dir, f), 'x');
    const removed = sweepStaleTemps(dir, 'img')
      .map((p) => p.slice(dir.length + 1))
      .sort();
    assert.deepEqual(removed, ['.img.tar.new-999999999', mine.slice(dir.length + 1)].sort());
    assert.deepEqual(readdirSync(dir).sort(), ['.img.kiln-lock', `.img.tar.new-${process.pid}`, other.slice(dir.length + 1), 'img.tar', 'img.tar.md5'].sort());
  });
});

describe('committing an output with its checksums', () => {
  it('replaces a symlink at the checksum path and at the output path; the canaries are untouched', async () => {
    const dir = freshDir();
    const canary = join(root, `canary-${n}`);
    writeFileSync(canary, 'canary\n');
    symlinkSync(canary, join(dir, 'img.tar.md5'));
    symlinkSync(canary, join(dir, 'img.tar'));
    symlinkSync(canary, join(dir, 'img.tar.sha256'));
    assert.deepEqual(await put(dir, 'new bytes', true), []);
    assert.equal(readFileSync(canary, 'utf8'), 'canary\n');
    for (const f of ['img.tar', 'img.tar.md5', 'img.tar.sha256']) assert.ok(lstatSync(join(dir, f)).isFile(), `${f} is a file now`);
    assert.equal(readFileSync(join(dir, 'img.tar'), 'utf8'), 'new bytes');
    check(dir, 'md5sum', 'img.tar.md5');
    check(dir, 'sha256sum', 'img.tar.sha256');
    assert.deepEqual(readdirSync(dir).sort(), ['img.tar', 'img.tar.md5', 'img.tar.sha256'], 'no temp file left');
  });

  it('writeChecksums (the public helper) replaces a symlink too', async () => {
    const dir = freshDir();
    const canary = join(root, `canary-${n}`);
    writeFileSync(canary, 'canary\n');
    writeFileSync(join(dir, 'img.raw'), 'abc');
    symlinkSync(canary, join(dir, 'img.raw.md5'));
    await writeChecksums(join(dir, 'img.raw'), ['md5']);
    assert.equal(readFileSync(canary, 'utf8'), 'canary\n');
    assert.equal(readFileSync(join(dir, 'img.raw.md5'), 'utf8'), '900150983cd24fb0d6963f7d28e17f72  img.raw\n');
  });

  it('OVERWRITE_OLD_IMAGE=0 keeps a symlinked output as the link itself, and drops a symlinked checksum', async () => {
    const dir = freshDir();
    const canary = join(root, `canary-${n}`);
    writeFileSync(canary, 'canary\n');
    symlinkSync(canary, join(dir, 'img.tar'));
    symlinkSync(canary, join(dir, 'img.tar.md5'));
    assert.deepEqual(await put(dir, 'new', false), ['img-2026.01.02-03.04.05.tar']);
    assert.equal(readlinkSync(join(dir, 'img-2026.01.02-03.04.05.tar')), canary, 'the link itself was kept');
    assert.equal(readFileSync(canary, 'utf8'), 'canary\n');
    assert.deepEqual(readdirSync(dir).sort(), ['img-2026.01.02-03.04.05.tar', 'img.tar', 'img.tar.md5', 'img.tar.sha256']);
  });

  it('OVERWRITE_OLD_IMAGE=0 in the same second three times: three backups, none clobbered, each checksum names its file', async () => {
    const dir = freshDir();
    for (const c of ['one', 'two', 'three', 'four']) await put(dir, c, false);
    const files = readdirSync(dir).sort();
    assert.deepEqual(files, [
      'img-2026.01.02-03.04.05-1.tar',
      'img-2026.01.02-03.04.05-1.tar.md5',
      'img-2026.01.02-03.04.05-1.tar.sha256',
      'img-2026.01.02-03.04.05-2.tar',
      'img-2026.01.02-03.04.05-2.tar.md5',
      'img-2026.01.02-03.04.05-2.tar.sha256',
      'img-2026.01.02-03.04.05.tar',
      'img-2026.01.02-03.04.05.tar.md5',
      'img-2026.01.02-03.04.05.tar.sha256',
      'img.tar',
      'img.tar.md5',
      'img.tar.sha256',
    ]);
    assert.deepEqual(
      ['img-2026.01.02-03.04.05.tar', 'img-2026.01.02-03.04.05-1.tar', 'img-2026.01.02-03.04.05-2.tar', 'img.tar'].map((f) =>
        readFileSync(join(dir, f), 'utf8'),
      ),
      ['one', 'two', 'three', 'four'],
    );
    for (const f of files.filter((x) => x.endsWith('.md5'))) {
      assert.match(readFileSync(join(dir, f), 'utf8'), new RegExp(`  ${f.slice(0, -4).replace(/\./g, '\\.')}\\n$`), `${f} names its own file`);
      check(dir, 'md5sum', f);
    }
    for (const f of files.filter((x) => x.endsWith('.sha256'))) check(dir, 'sha256sum', f);
  });

  it('OVERWRITE_OLD_IMAGE=1 without checksums removes the old ones (they would describe other bytes)', async () => {
    const dir = freshDir();
    await put(dir, 'old', true);
    await put(dir, 'new', true, []);
    assert.deepEqual(readdirSync(dir), ['img.tar']);
  });

  it('a directory in the way is a clear error naming the path', async () => {
    const dir = freshDir();
    mkdirSync(join(dir, 'img.tar.md5'));
    await assert.rejects(put(dir, 'x', true), /cannot put .*img\.tar\.md5 in place/);
  });
});
