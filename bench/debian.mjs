#!/usr/bin/env node
// Floors of the Debian bootstrap (run as root, after `npm run build`):
//   1. mmdebstrap alone: the driver's exact argv (planMmdebstrap) into a tarball, from the network;
//   2. unpacking the cached tarball alone (planUnpack), the warm path of every later build.
// Usage: node bench/debian.mjs [--release bookworm] [--runs 3] [--tarball FILE] [--skip-mmdebstrap]
// Prints one line per measurement and a JSON summary; record figures in bench/RESULTS.md.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values: opt } = parseArgs({
  options: {
    release: { type: 'string', default: 'bookworm' },
    runs: { type: 'string', default: '3' },
    tarball: { type: 'string' },
    'skip-mmdebstrap': { type: 'boolean', default: false },
  },
});
const dist = new URL('../dist/src/distros/', import.meta.url);
const { loadDebianData } = await import(new URL('debian-data.js', dist).href);
const { planDebianBootstrap, planMmdebstrap } = await import(new URL('debian-plan.js', dist).href);
const { planUnpack } = await import(new URL('debian.js', dist).href);

const privileged = process.getuid?.() === 0;
const work = mkdtempSync(join(tmpdir(), 'kiln-bench-debian-'));
const results = {
  machine: `${cpus().length} x ${cpus()[0]?.model ?? '?'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB`,
  date: new Date().toISOString(),
  release: opt.release,
};

function timed(label, argv) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(argv[0], argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0) throw new Error(`${label} failed (${r.status}): ${r.stderr.slice(-2000)}`);
  console.log(`${label}: ${s.toFixed(2)} s`);
  return s;
}

function dropCaches() {
  spawnSync('sh', ['-c', 'sync; echo 3 > /proc/sys/vm/drop_caches'], { stdio: 'ignore' });
}

try {
  let tarball = opt.tarball;
  if (!opt['skip-mmdebstrap']) {
    const plan = planDebianBootstrap(loadDebianData(), 'amd64', { DIB_RELEASE: opt.release });
    tarball = join(work, 'bootstrap.tar.zst');
    const argv = planMmdebstrap({ plan, mode: privileged ? 'root' : 'unshare', output: tarball });
    results.mmdebstrapSeconds = timed(`mmdebstrap ${opt.release} (${plan.packages.length} packages)`, argv);
    results.tarballBytes = statSync(tarball).size;
  }
  if (!tarball) throw new Error('nothing to unpack: give --tarball or let mmdebstrap run');
  const prefix = privileged ? [] : ['unshare', '--map-auto', '--map-root-user', '--'];
  results.unpackSeconds = [];
  for (let i = 0; i < Number(opt.runs); i++) {
    const target = mkdtempSync(join(work, 'tree-'));
    dropCaches();
    results.unpackSeconds.push(timed(`unpack run ${i + 1}`, [...prefix, ...planUnpack(privileged, tarball, target)]));
    spawnSync(...(prefix.length ? [prefix[0], [...prefix.slice(1), 'rm', '-rf', target]] : ['rm', ['-rf', target]]));
  }
  console.log(JSON.stringify(results, null, 2));
} finally {
  rmSync(work, { recursive: true, force: true });
}
