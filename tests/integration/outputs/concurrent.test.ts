// Two builds to the same -o at once, as CI retries do: 20 pairs of busybox-minimal builds (offline,
// about a second each) with --checksum, at OVERWRITE_OLD_IMAGE=0 and =1, with and without --wait.
// Each build has its own SOURCE_DATE_EPOCH, so every image says which build wrote it (the newest
// mtime in a tar is its epoch). Each pair starts from a seed image with its checksums. Afterwards:
// every checksum file on disk verifies the image beside it; no image is lost silently (at =0 every
// successful build's image is there, the older ones as backups); the loser without --wait exits 1
// naming the other build; no temporary file or lock is left behind.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { BIN } from '../../helpers/cli.js';

const PAIRS_PER_CASE = 5;
const root = mkdtempSync(join(tmpdir(), 'kiln-concurrent-'));
chmodSync(root, 0o755);
after(() => rmSync(root, { recursive: true, force: true }));

interface Build {
  epoch: number;
  status: number;
  stderr: string;
}

function startBuild(out: string, epoch: number, env: Record<string, string>, wait: boolean): Promise<Build> {
  const args = ['busybox-minimal', '-t', 'tar', '-o', join(out, 'bb'), '--checksum', ...(wait ? ['--wait'] : [])];
  const child = spawn(join(BIN, 'disk-image-create'), args, {
    env: { ...process.env, CI: 'true', TMP_DIR: root, SOURCE_DATE_EPOCH: String(epoch), ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  return new Promise((resolve) => child.on('close', (code) => resolve({ epoch, status: code ?? -1, stderr })));
}

/** The epoch a tar was built with: its newest entry mtime (everything newer was clamped to it). */
function tarEpoch(file: string): number {
  const list = execFileSync('tar', ['--full-time', '-tvf', file], { encoding: 'utf8', env: { ...process.env, TZ: 'UTC' }, maxBuffer: 16 << 20 });
  let max = 0;
  for (const m of list.matchAll(/ (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) /g)) max = Math.max(max, Date.parse(`${m[1]!.replace(' ', 'T')}Z`) / 1000);
  return max;
}

function seed(out: string, text: string): void {
  mkdirSync(out);
  writeFileSync(join(out, 'bb.tar'), text);
  for (const a of ['md5', 'sha256'] as const) {
    writeFileSync(join(out, `bb.tar.${a}`), `${createHash(a).update(text).digest('hex')}  bb.tar\n`);
  }
}

/** Every checksum file verifies its image; every image has both. Returns the images. */
function checkSums(out: string): string[] {
  const names = readdirSync(out);
  for (const f of names.filter((n) => n.endsWith('.md5'))) execFileSync('md5sum', ['-c', '--strict', '--quiet', f], { cwd: out });
  for (const f of names.filter((n) => n.endsWith('.sha256'))) execFileSync('sha256sum', ['-c', '--strict', '--quiet', f], { cwd: out });
  const images = names.filter((n) => n.endsWith('.tar'));
  for (const i of images) assert.ok(names.includes(`${i}.md5`) && names.includes(`${i}.sha256`), `${i} has its checksums`);
  assert.deepEqual(
    names.filter((n) => !images.includes(n) && !/\.tar\.(md5|sha256)$/.test(n) && !/\.d$/.test(n)),
    [],
    'nothing else: no temp file, no lock',
  );
  // NAME.d: the build's record (pin.json), report and SBOM, each whole: no temporary file beside them
  for (const d of names.filter((n) => /\.d$/.test(n))) assert.deepEqual(readdirSync(join(out, d)).sort(), ['pin.json', 'report.html', 'sbom.spdx.json'], d);
  return images;
}

let epoch = 1_600_000_000;
let collisions = 0;

for (const overwrite of ['0', '1']) {
  for (const wait of [false, true]) {
    describe(`OVERWRITE_OLD_IMAGE=${overwrite}${wait ? ', --wait' : ''}`, () => {
      it(`${PAIRS_PER_CASE} pairs of concurrent builds to one -o`, async () => {
        for (let p = 0; p < PAIRS_PER_CASE; p++) {
          const out = join(root, `o${overwrite}-${wait ? 'w' : 'n'}-${p}`);
          seed(out, `seed ${out}\n`);
          const builds = await Promise.all([epoch++, epoch++].map((e) => startBuild(out, e, { OVERWRITE_OLD_IMAGE: overwrite }, wait)));
          const ok = builds.filter((b) => b.status === 0);
          for (const b of builds.filter((x) => x.status !== 0)) {
            assert.ok(!wait, `with --wait both succeed: ${b.stderr}`);
            assert.equal(b.status, 1, b.stderr);
            assert.match(b.stderr, new RegExp(`another build \\(pid \\d+\\) is writing ${out}/bb\\.\\*`));
            assert.match(b.stderr, /hint: .*--wait/);
            collisions++;
          }
          assert.ok(ok.length >= 1, `one build succeeds: ${builds.map((b) => b.stderr).join('\n---\n')}`);
          const images = checkSums(out);
          const built = images.filter((i) => !readFileSync(join(out, i), 'latin1').startsWith('seed '));
          if (overwrite === '0') {
            assert.equal(images.length, 1 + ok.length, `the seed and every successful build's image: ${images.join(' ')}`);
            assert.deepEqual(built.map((i) => tarEpoch(join(out, i))).sort(), ok.map((b) => b.epoch).sort());
            assert.ok(images.includes('bb.tar') && images.filter((i) => /^bb-\d{4}\.\d\d\.\d\d-\d\d\.\d\d\.\d\d(-\d+)?\.tar$/.test(i)).length === ok.length);
          } else {
            assert.deepEqual(images, ['bb.tar']);
            assert.ok(ok.map((b) => b.epoch).includes(tarEpoch(join(out, 'bb.tar'))), 'bb.tar is the image of a successful build');
          }
        }
      });
    });
  }
}

describe('the runs above', () => {
  it('made builds without --wait collide (else they tested nothing)', () => {
    assert.ok(collisions >= PAIRS_PER_CASE, `${collisions} of ${2 * PAIRS_PER_CASE} pairs without --wait collided`);
  });
});
