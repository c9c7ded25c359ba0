#!/usr/bin/env node
// The layer and initramfs caches on a Debian image (run as root, after `npm run build`, under the
// machine's build lock if it has one): `disk-image-create debian-minimal vm -t qcow2` with one
// SOURCE_DATE_EPOCH, in this order:
//   1. without the two caches (KILN_NO_LAYER_CACHE, KILN_NO_INITRAMFS_CACHE): the warm rebuild as it was;
//   2. with them, storing the layer and the initramfs (the cost of storing);
//   3. --runs warm rebuilds with unchanged inputs (the layer and the initramfs from the cache);
//   4. --runs rebuilds after changing a finalise.d hook each time (an element of this script's).
// The bootstrap comes from the cache (a cold one first, if --cache has none). Prints each build's
// wall time, its slowest steps and the qcow2's sha256 (all must be the same), and a JSON summary.
// Usage: node bench/layers.mjs [--cache DIR] [--runs 3] [--release bookworm] [--tmp DIR]
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values: opt } = parseArgs({
  options: {
    cache: { type: 'string' },
    runs: { type: 'string', default: '3' },
    release: { type: 'string', default: 'bookworm' },
    tmp: { type: 'string' },
  },
});
const bin = new URL('../bin/disk-image-create', import.meta.url).pathname;
const work = mkdtempSync(join(opt.tmp ?? tmpdir(), 'kiln-bench-layers-'));
const cache = opt.cache ?? join(work, 'cache');
const elements = join(work, 'elements');
mkdirSync(join(elements, 'bench-finalise', 'finalise.d'), { recursive: true });
const hook = join(elements, 'bench-finalise', 'finalise.d', '90-bench-finalise');
const setHook = (n) => {
  writeFileSync(hook, `#!/bin/sh\necho "bench ${n}" > /etc/kiln-bench-finalise\n`);
  chmodSync(hook, 0o755);
};
setHook(0);

const results = {
  machine: `${cpus().length} x ${cpus()[0]?.model ?? '?'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB`,
  date: new Date().toISOString(),
  release: opt.release,
  builds: [],
};

function build(label, env = {}) {
  const out = join(work, 'out', 'deb');
  const t0 = process.hrtime.bigint();
  const r = spawnSync(bin, ['debian-minimal', 'vm', 'bench-finalise', '-t', 'qcow2', '-o', out], {
    encoding: 'utf8',
    env: {
      ...process.env,
      ELEMENTS_PATH: elements,
      DIB_RELEASE: opt.release,
      DIB_IMAGE_CACHE: cache,
      SOURCE_DATE_EPOCH: '1700000000',
      TMP_DIR: join(work, 'tmp'),
      ...env,
    },
    maxBuffer: 64 << 20,
  });
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0) throw new Error(`${label} failed (${r.status}): ${r.stderr.slice(-3000)}`);
  const timings = r.stderr.slice(r.stderr.lastIndexOf('Timings (seconds):'));
  const steps = [...timings.matchAll(/^ {2}(.+?)\s{2,}([\d.]+)$/gm)].map((m) => [m[1], Number(m[2])]).sort((a, b) => b[1] - a[1]);
  const sha = createHash('sha256')
    .update(readFileSync(`${out}.qcow2`))
    .digest('hex');
  const layer = /from layer/.test(r.stderr) ? 'hit' : /stored the tree after/.test(r.stderr) ? 'stored' : 'none';
  const initramfs = /from Kiln's initramfs cache/.test(r.stderr) ? 'hit' : /initramfs cache: stored/.test(r.stderr) ? 'stored' : 'none';
  const rec = { label, wall: Number(s.toFixed(1)), layer, initramfs, sha256: sha.slice(0, 16), slowest: steps.slice(0, 4) };
  results.builds.push(rec);
  console.log(
    `${label}: ${s.toFixed(1)} s (layer ${layer}, initramfs ${initramfs}) ${sha.slice(0, 16)}  ${steps
      .slice(0, 4)
      .map(([n, t]) => `${n} ${t}`)
      .join(', ')}`,
  );
  return rec;
}

try {
  const base = build('without the layer and initramfs caches', { KILN_NO_LAYER_CACHE: '1', KILN_NO_INITRAMFS_CACHE: '1' });
  build('with them, storing');
  for (let i = 0; i < Number(opt.runs); i++) build(`warm, unchanged #${i + 1}`);
  for (let i = 0; i < Number(opt.runs); i++) {
    setHook(i + 1);
    build(`warm, finalise.d hook changed #${i + 1}`);
  }
  setHook(0);
  const again = build('warm, the first hook again');
  const shas = new Set(results.builds.filter((b) => !b.label.includes('changed')).map((b) => b.sha256));
  results.sameBytes = shas.size === 1 && again.sha256 === base.sha256;
  console.log(`same qcow2 bytes with and without the caches: ${results.sameBytes}`);
  console.log(JSON.stringify(results, null, 2));
} finally {
  rmSync(work, { recursive: true, force: true });
}
