#!/usr/bin/env node
// Acceptance run for interrupts: builds killed at random points with random signals (SIGKILL,
// SIGHUP, SIGTERM, SIGINT, to Kiln's node process). After each kill, 1 s after Kiln is gone:
// no process of the build (environment marker or base path in /proc/*/environ, cmdline), no
// file outside the workspace (TMPDIR, the output directory against what was there before), the
// exit code and message of a handled signal, and the next build with the same -o succeeds and
// leaves no cache temporary file (those a SIGKILL left are swept when a build starts).
//   busybox-minimal -t raw,qcow2 (offline, ~3 s): N kills, each followed by a build that must succeed.
//   debian-minimal vm -t qcow2: two cold kills (empty cache: in the bootstrap), a build that must
//   succeed (it fills the cache), warm kills, and a final build that must succeed.
// Run as root after `npm run build`; wrap it in the machine's build lock if it has one:
//   node bench/kill-stress.mjs [--busybox 30] [--debian 5] [--seed N]
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values: opt } = parseArgs({
  options: {
    busybox: { type: 'string', default: '30' },
    debian: { type: 'string', default: '5' },
    seed: { type: 'string', default: String(Date.now() % 100000) },
  },
});
const dist = new URL('../dist/', import.meta.url);
const { markedProcesses, listTree, sleep, startKiln, workspaces, namedWorkspace } = await import(new URL('tests/helpers/interrupt.js', dist).href);
const { runCli } = await import(new URL('tests/helpers/cli.js', dist).href);
const { signalExitCode } = await import(new URL('src/errors.js', dist).href);

if (process.getuid?.() !== 0) {
  console.error("kill-stress: run as root (it reads every process's environment)");
  process.exit(2);
}

// mulberry32: seeded, so a failing sequence can be replayed with --seed
let seed = Number(opt.seed) >>> 0;
const random = () => {
  seed = (seed + 0x6d2b79f5) >>> 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const SIGNALS = ['SIGKILL', 'SIGHUP', 'SIGTERM', 'SIGINT'];
const pick = (xs) => xs[Math.floor(random() * xs.length)];
const between = (lo, hi) => Math.round(lo + random() * (hi - lo));

const base = mkdtempSync(join(tmpdir(), 'kiln-kill-stress-'));
const results = [];

function dirsFor(name) {
  const d = {
    base: join(base, name),
    tmp: join(base, name, 'tmp'),
    out: join(base, name, 'out'),
    cache: join(base, name, 'cache'),
    tmpdir: join(base, name, 'tmpdir'),
  };
  for (const p of Object.values(d)) mkdirSync(p, { recursive: true });
  return d;
}

const cacheTemps = (cache) => {
  const b = join(cache, 'bootstrap');
  return existsSync(b) ? readdirSync(b).filter((n) => n.includes('.tmp-')) : [];
};

/** One build killed after `delayMs` with `sig`; returns its record with the problems found. */
async function killOne(kind, d, args, env, sig, delayMs) {
  const outBefore = new Set(listTree(d.out));
  const run = startKiln('disk-image-create', args, env, d.base);
  const t0 = Date.now();
  const early = await Promise.race([run.exited.then(() => true), sleep(delayMs).then(() => false)]);
  const step = [...run.stderr().matchAll(/==> (\S+)/g)].pop()?.[1] ?? '(start)';
  if (!early) process.kill(run.child.pid, sig);
  const end = await run.exited;
  const goneMs = Date.now() - t0 - delayMs;
  await sleep(1000);
  const procs = markedProcesses(d.base);
  const ws = workspaces(d.tmp);
  const newOut = listTree(d.out).filter((f) => !outBefore.has(f) && !(early && end.code === 0));
  // OVERWRITE_OLD_IMAGE=0 (DIB's default): the previous image is renamed to NAME-DATE.EXT before the
  // new one is written, as DIB does; an interrupt in between leaves it under that name. Counted apart.
  const backups = newOut.filter((f) => /^img-\d{4}\.\d\d\.\d\d-\d\d\.\d\d\.\d\d\./.test(f));
  const outside = [...newOut.filter((f) => !backups.includes(f)).map((f) => `out/${f}`), ...listTree(d.tmpdir).map((f) => `TMPDIR/${f}`), ...ws.slice(1)];
  const problems = [];
  if (early && end.code !== 0) problems.push(`the build failed on its own (exit ${end.code}): ${run.stderr().slice(-300)}`);
  if (procs.length) problems.push(`${procs.length} process(es) left: ${procs.slice(0, 3).join(' | ')}`);
  if (outside.length) problems.push(`files outside the workspace: ${outside.join(' ')}`);
  if (!early && sig !== 'SIGKILL') {
    // killed by the signal itself (it came before node installed its handlers) reads the same to a shell
    if (end.code !== signalExitCode(sig) && end.signal !== sig) problems.push(`exit ${end.code ?? end.signal}, expected ${signalExitCode(sig)}`);
    if (ws.length && namedWorkspace(run.stderr()) !== ws[0]) problems.push('the message does not name the workspace');
  }
  for (const w of ws) rmSync(w, { recursive: true, force: true });
  for (const f of backups) rmSync(join(d.out, f), { force: true });
  const temps = cacheTemps(d.cache);
  const rec = { kind, sig, delayMs, step: early ? `(finished: exit ${end.code})` : step, goneMs: early ? 0 : goneMs, problems, temps, backups, next: '' };
  results.push(rec);
  console.log(
    `${kind} #${results.filter((r) => r.kind === kind).length}: ${sig} after ${(delayMs / 1000).toFixed(1)} s in ${rec.step}` +
      `${early ? '' : `, exited ${goneMs} ms later`}${temps.length ? `, ${temps.length} cache temp file(s) left for the next start` : ''}` +
      `${backups.length ? `, the old image under its backup name (${backups.join(' ')})` : ''}: ` +
      `${problems.length ? `FAIL ${problems.join('; ')}` : 'ok'}`,
  );
  return rec;
}

/** The build that must succeed: its start sweeps the cache temp files of dead builds. */
function mustSucceed(d, args, env, last) {
  const r = runCli('disk-image-create', args, { env, timeoutMs: 30 * 60_000 });
  const left = cacheTemps(d.cache);
  const why =
    r.status !== 0
      ? `exit ${r.status}: ${r.stderr.slice(-400)}`
      : left.length
        ? `cache temp files not swept: ${left.join(' ')}`
        : workspaces(d.tmp).length
          ? 'its workspace was left'
          : '';
  last.next = why ? `FAIL ${why}` : 'ok';
  if (why) last.problems.push(`next build: ${why}`);
  console.log(`  next build: ${last.next}`);
}

const t0 = Date.now();
try {
  const nb = Number(opt.busybox);
  if (nb > 0) {
    const d = dirsFor('busybox');
    const env = { TMP_DIR: d.tmp, DIB_IMAGE_CACHE: d.cache, TMPDIR: d.tmpdir };
    const args = ['busybox-minimal', '-t', 'raw,qcow2', '-o', join(d.out, 'img')];
    // kill anywhere from node's start to just past the end of a build (timed once here)
    const t = Date.now();
    if (runCli('disk-image-create', args, { env }).status !== 0) throw new Error('busybox-minimal does not build');
    const ms = Date.now() - t;
    console.log(`busybox-minimal -t raw,qcow2 builds in ${ms} ms`);
    for (let i = 0; i < nb; i++) mustSucceed(d, args, env, await killOne('busybox', d, args, env, pick(SIGNALS), between(100, ms * 1.1)));
  }
  const nd = Number(opt.debian);
  if (nd > 0) {
    const d = dirsFor('debian');
    const env = { DIB_RELEASE: 'bookworm', TMP_DIR: d.tmp, DIB_IMAGE_CACHE: d.cache, TMPDIR: d.tmpdir, DIB_GRUB_TIMEOUT: '0' };
    const args = ['debian-minimal', 'vm', '-t', 'qcow2', '-o', join(d.out, 'img')];
    const cold = Math.min(2, nd);
    for (let i = 0; i < nd; i++) {
      const rec = await killOne(
        i < cold ? 'debian-cold' : 'debian-warm',
        d,
        args,
        env,
        pick(SIGNALS),
        i < cold ? between(5000, 60_000) : between(3000, 40_000),
      );
      if (i === cold - 1 || i === nd - 1) mustSucceed(d, args, env, rec);
    }
  }
} finally {
  rmSync(base, { recursive: true, force: true });
}

const failed = results.filter((r) => r.problems.length);
const count = (f) => results.filter((r) => r.problems.some(f)).length;
console.log(
  `\nkill-stress: ${results.length} builds (${SIGNALS.map((s) => `${s} ${results.filter((r) => r.sig === s).length}`).join(', ')}), ` +
    `seed ${opt.seed}, ${cpus().length} cores, load ${loadavg()[0].toFixed(1)}, ${((Date.now() - t0) / 1000).toFixed(0)} s`,
);
console.log(
  `  builds with processes left: ${count((p) => p.includes('process(es) left'))}; with files outside the workspace: ` +
    `${count((p) => p.startsWith('files'))}; next build failed: ${count((p) => p.startsWith('next'))}; ` +
    `slowest exit after the signal: ${Math.max(0, ...results.map((r) => r.goneMs))} ms; ` +
    `old image left under its OVERWRITE_OLD_IMAGE backup name: ${results.filter((r) => r.backups.length).length} builds`,
);
console.log(`${results.length - failed.length} passed, ${failed.length} failed`);
process.exit(failed.length ? 1 : 0);
