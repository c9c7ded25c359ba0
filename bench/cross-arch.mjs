#!/usr/bin/env node
// Cross-architecture builds on this host: `disk-image-create -a ARCH debian-minimal vm -t qcow2`
// cold (empty cache), then warm (cache hit), then `kiln boot-test --arch ARCH` of the image, for
// each arch given. Prints each wall time and the cold build's slowest steps (its timing summary).
// Run as root after `npm run build` (one build or boot at a time; each arm64 step is emulated):
//   node bench/cross-arch.mjs [--arch arm64,i386] [--release bookworm]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values: opt } = parseArgs({ options: { arch: { type: 'string', default: 'arm64,i386' }, release: { type: 'string' } } });
const repo = new URL('..', import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), 'kiln-bench-cross-'));
const env = { ...process.env, CI: 'true', DIB_IMAGE_CACHE: join(work, 'cache'), ...(opt.release ? { DIB_RELEASE: opt.release } : {}) };

function timed(label, argv) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', env, maxBuffer: 256 << 20 });
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0) throw new Error(`${label} failed (${r.status}): ${`${r.stdout}${r.stderr}`.slice(-3000)}`);
  console.log(`${label}: ${s.toFixed(1)} s (load ${loadavg()[0].toFixed(1)})`);
  return { s, out: `${r.stdout}\n${r.stderr}` };
}

function slowest(out, n = 5) {
  const block = out.slice(out.lastIndexOf('Timings (seconds):'));
  return block
    .split('\n')
    .slice(1)
    .map((l) => /^\s+(.*\S)\s+([\d.]+)$/.exec(l))
    .filter((m) => m && m[1] !== 'total')
    .map((m) => [m[1], Number(m[2])])
    .sort((a, b) => b[1] - a[1])
    .slice(0, n);
}

console.log(`machine: ${cpus().length} x ${cpus()[0]?.model}, ${Math.round(totalmem() / 2 ** 30)} GiB; ${new Date().toISOString()}`);
try {
  for (const arch of opt.arch.split(',')) {
    const out = join(work, arch);
    const dic = [join(repo, 'bin/disk-image-create'), '-a', arch, 'debian-minimal', 'vm', '-t', 'qcow2'];
    const cold = timed(`${arch} cold build`, [...dic, '-o', `${out}-cold`]);
    console.log(
      `  slowest steps: ${slowest(cold.out)
        .map(([k, v]) => `${k} ${v} s`)
        .join(', ')}`,
    );
    timed(`${arch} warm build`, [...dic, '-o', `${out}-warm`]);
    timed(`${arch} boot to login`, [join(repo, 'bin/kiln'), 'boot-test', `${out}-warm.qcow2`, '--arch', arch, '--timeout', '1800']);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
