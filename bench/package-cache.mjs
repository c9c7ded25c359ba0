#!/usr/bin/env node
// The package cache (DIB_APT_LOCAL_CACHE) on a warm build with ~40 more packages: the same
// `disk-image-create debian-minimal vm -t qcow2 -p <40 packages>` from one cached bootstrap, with the
// package cache off (every .deb downloaded) and on (filled once, then reused), against the base image.
// Run as root after `npm run build`, under the Debian lock of the machine if it has one:
//   node bench/package-cache.mjs [--release bookworm] [--runs 2] [--cache DIR]
// --cache: an image cache that already holds the release's bootstrap (else the first build makes it).
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values: opt } = parseArgs({
  options: { release: { type: 'string', default: 'bookworm' }, runs: { type: 'string', default: '2' }, cache: { type: 'string' } },
});
const repo = new URL('..', import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), 'kiln-bench-pkgcache-'));
const cache = opt.cache ?? join(work, 'cache');
const runs = Number(opt.runs);
export const EXTRA = (
  'vim curl wget git htop tmux jq rsync strace lsof tcpdump less man-db bash-completion file zip unzip bzip2 ' +
  'xz-utils bind9-dnsutils iputils-ping traceroute netcat-openbsd socat screen tree ncdu psmisc sysstat iotop ' +
  'ethtool nftables python3-yaml python3-requests openssh-client make patch sqlite3 bc lz4 pv'
).split(' ');

mkdirSync(join(work, 'tmp'));
let n = 0;
function build(label, extraArgs, env) {
  const out = join(work, `o${n++}`);
  const argv = [join(repo, 'bin/disk-image-create'), '--json', 'debian-minimal', 'vm', '-t', 'qcow2', '-o', out, ...extraArgs];
  const t0 = process.hrtime.bigint();
  const r = spawnSync(argv[0], argv.slice(1), {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, CI: 'true', DIB_RELEASE: opt.release, DIB_IMAGE_CACHE: cache, TMP_DIR: join(work, 'tmp'), SOURCE_DATE_EPOCH: '1700000000', ...env },
  });
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0) throw new Error(`${label} failed (${r.status}): ${r.stderr.slice(-3000)}`);
  const steps = Object.fromEntries(JSON.parse(r.stdout).steps.map((x) => [x.id, x.seconds]));
  const install = (steps['pre-install.d'] ?? 0) + (steps['install.d'] ?? 0) + (steps.packages ?? 0);
  console.log(`${label}: ${s.toFixed(1)} s, pre-install.d + install.d + -p ${install.toFixed(1)} s (load ${loadavg()[0].toFixed(1)})`);
  return { s, install };
}
const best = (xs) => xs.reduce((a, b) => (a.s <= b.s ? a : b));

console.log(`${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, ${opt.release}, ${EXTRA.length} extra packages, work ${work}`);
build('prime (bootstrap cache)', [], {});
const base = [];
for (let i = 0; i < runs; i++) base.push(build(`base ${i + 1}`, [], {}));
const off = [];
for (let i = 0; i < runs; i++) off.push(build(`+${EXTRA.length} packages, cache off ${i + 1}`, ['-p', EXTRA.join(',')], { DIB_APT_LOCAL_CACHE: '0' }));
const fill = build(`+${EXTRA.length} packages, cache on, filling`, ['-p', EXTRA.join(',')], {});
const on = [];
for (let i = 0; i < runs; i++) on.push(build(`+${EXTRA.length} packages, cache on ${i + 1}`, ['-p', EXTRA.join(',')], {}));
const b = best(base);
const row = (what, r) => `| ${what} | ${r.s.toFixed(1)} s | ${(r.s / b.s).toFixed(2)}x | ${r.install.toFixed(1)} s |`;
console.log('\n| warm build (bootstrap cached) | wall | vs base | pre-install.d + install.d + -p |\n|---|---|---|---|');
console.log(row('base image', b));
console.log(row(`+${EXTRA.length} packages, package cache off`, best(off)));
console.log(row(`+${EXTRA.length} packages, package cache on, first (fills it)`, fill));
console.log(row(`+${EXTRA.length} packages, package cache on`, best(on)));
