#!/usr/bin/env node
// Whole builds of `disk-image-create debian-minimal vm -t qcow2` (cold: empty cache; warm: cache
// hit) and, in the same run, the floors of their steps: mmdebstrap alone, unpacking the cached
// tarball alone, mke2fs -d of the final tree alone, qemu-img convert alone. Kiln's overhead over
// each floor is the difference. Run as root after `npm run build`:
//   node bench/build.mjs [--release bookworm] [--runs 2]
// Prints one line per measurement and a markdown table for bench/RESULTS.md.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, statSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values: opt } = parseArgs({ options: { release: { type: 'string', default: 'bookworm' }, runs: { type: 'string', default: '2' } } });
const repo = new URL('..', import.meta.url).pathname;
const dist = new URL('../dist/src/', import.meta.url);
const { loadDebianData } = await import(new URL('distros/debian-data.js', dist).href);
const { planDebianBootstrap, planMmdebstrap } = await import(new URL('distros/debian-plan.js', dist).href);
const { planUnpack } = await import(new URL('distros/debian.js', dist).href);
const { hostAptConfig, mmdebstrapHostAptArgs } = await import(new URL('distros/host-apt.js', dist).href);
const { Runner } = await import(new URL('exec/runner.js', dist).href);

const work = mkdtempSync(join(tmpdir(), 'kiln-bench-build-'));
const runs = Number(opt.runs);
const rows = [];

function timed(label, argv, env = {}) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(argv[0], argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8', env: { ...process.env, ...env } });
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0) throw new Error(`${label} failed (${r.status}): ${r.stderr.slice(-3000)}`);
  console.log(`${label}: ${s.toFixed(2)} s (load ${loadavg()[0].toFixed(1)})`);
  return s;
}
const min = (xs) => Math.min(...xs);
function record(what, times, floorOf) {
  rows.push({ what, min: min(times), all: times, floorOf });
}

// 1. cold and warm builds; the warm build's workspace and raw image are kept for the floors
const cache = join(work, 'cache');
const buildEnv = { CI: 'true', DIB_RELEASE: opt.release, DIB_IMAGE_CACHE: cache, TMP_DIR: join(work, 'tmp'), SOURCE_DATE_EPOCH: '1700000000' };
mkdirSync(join(work, 'tmp'));
const dic = (name, extra = []) => [join(repo, 'bin/disk-image-create'), 'debian-minimal', 'vm', '-t', 'qcow2', '-o', join(work, name), ...extra];
record('cold build (empty cache): disk-image-create debian-minimal vm -t qcow2', [timed('cold build', dic('cold'), buildEnv)]);
const warm = [];
for (let i = 0; i < runs; i++) warm.push(timed(`warm build ${i + 1}`, dic(`warm${i}`), buildEnv));
record('warm build (cached bootstrap)', warm);
timed('warm build kept for the floors', dic('kept', ['--keep-workspace', '-t', 'qcow2,raw']), buildEnv);
const ws = readdirSync(join(work, 'tmp'))
  .filter((d) => d.startsWith('kiln-'))
  .map((d) => join(work, 'tmp', d))
  .at(-1);

// 2. floors
const plan = planDebianBootstrap(loadDebianData(), 'amd64', { DIB_RELEASE: opt.release });
const hostApt = mmdebstrapHostAptArgs(await hostAptConfig(new Runner()));
const mm = [];
for (let i = 0; i < runs; i++) {
  const argv = planMmdebstrap({ plan, mode: 'root', output: join(work, `mm${i}.tar.zst`) });
  argv.splice(1, 0, ...hostApt);
  mm.push(timed(`floor: mmdebstrap alone ${i + 1}`, argv));
}
record("floor: mmdebstrap alone (the driver's argv)", mm, 'bootstrap');
const tarball = readdirSync(join(cache, 'bootstrap'))
  .filter((f) => f.endsWith('.tar.zst'))
  .map((f) => join(cache, 'bootstrap', f))[0];
const unpack = [];
for (let i = 0; i < runs; i++) {
  const dir = join(work, `unpack${i}`);
  mkdirSync(dir);
  unpack.push(timed(`floor: unpack the cached tarball ${i + 1}`, planUnpack(true, tarball, dir)));
}
record('floor: unpack the cached tarball', unpack, 'bootstrap (warm)');
const tree = join(ws, 'mnt');
const rootBytes = statSync(join(work, 'kept.raw')).size - 4 * 1024 * 1024;
const mkfs = [];
for (let i = 0; i < runs; i++) {
  mkfs.push(
    timed(`floor: mke2fs -d ${i + 1}`, [
      'mke2fs',
      '-q',
      '-F',
      '-t',
      'ext4',
      '-E',
      'nodiscard',
      '-d',
      tree,
      join(work, `fs${i}.raw`),
      `${Math.floor(rootBytes / 1024)}k`,
    ]),
  );
}
record('floor: mke2fs -t ext4 -d <final tree> (the root filesystem alone)', mkfs, 'assemble');
const conv = [];
for (let i = 0; i < runs; i++) {
  conv.push(
    timed(`floor: qemu-img convert ${i + 1}`, [
      'qemu-img',
      'convert',
      '-W',
      '-m',
      '4',
      '-c',
      '-o',
      'compression_type=zstd',
      '-f',
      'raw',
      '-O',
      'qcow2',
      join(work, 'kept.raw'),
      join(work, `conv${i}.qcow2`),
    ]),
  );
}
record('floor: qemu-img convert -c (zstd) raw -> qcow2', conv, 'write qcow2');

// 3. report
console.log(`\nMachine: ${cpus().length} x ${cpus()[0]?.model}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB; ${new Date().toISOString()}; release ${opt.release}`);
console.log('\n| what | min s | runs (s) |\n|---|---|---|');
for (const r of rows) console.log(`| ${r.what} | ${r.min.toFixed(1)} | ${r.all.map((x) => x.toFixed(1)).join(', ')} |`);
console.log(`\nwork dir (remove when done): ${work}`);
if (existsSync(ws)) spawnSync('rm', ['-rf', ws]);
