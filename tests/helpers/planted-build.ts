/**
 * Builds of busybox-minimal plus one element "plant" whose hooks plant symlinks in the tree, pointed
 * at a host canary (tests/helpers/canary.ts); every build checks the canary is unchanged after it.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, lchownSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { makeCanary, snapshot, type Canary } from './canary.js';
import { BIN, runCli, type CliResult } from './cli.js';
import { makeElementTree } from './element-tree.js';

// one output directory per test file that imports this (node:test runs each file in its own process)
export const out = mkdtempSync(join(tmpdir(), 'kiln-symlinks-'));
chmodSync(out, 0o777);
const canaries: Canary[] = [];
after(() => {
  rmSync(out, { recursive: true, force: true });
  for (const c of canaries) rmSync(c.dir, { recursive: true, force: true });
});

export interface BuildOpts {
  env?: Record<string, string>;
  user?: string;
  privateVarTmp?: boolean;
}
export type Build = CliResult & { image: string };

/**
 * privateVarTmp: run the build with a private tmpfs on /var/tmp (a mount namespace of its own) that
 * holds a host file; the build fails with 99 if it changed. So a test of `/tmp -> /var/tmp` can never
 * empty this machine's real /var/tmp, even if Kiln regressed.
 */
const PRIVATE_VAR_TMP =
  'mount -t tmpfs kiln-var-tmp /var/tmp && echo host > /var/tmp/host-file && touch /var/tmp/host-file2\n' +
  'rc=0; "$@" || rc=$?\n[ "$(cat /var/tmp/host-file)" = host ] && [ -e /var/tmp/host-file2 ] || { echo "HOST /var/tmp CHANGED" >&2; exit 99; }\nexit $rc';

/** A build of busybox-minimal + one element with these hooks; checks the canary after it. */
export function buildWith(c: Canary, hooks: Record<string, string>, args: string[], o: BuildOpts = {}): Build {
  const before = c.snapshot();
  const files: Record<string, string> = {};
  for (const [p, body] of Object.entries(hooks)) files[p] = p.includes('.d/') ? `#!/bin/sh\nset -eu\nC=${c.dir}\n${body}\n` : body;
  const elements = makeElementTree({ plant: { deps: ['busybox-minimal'], files } }, mkdtempSync(join(out, 'elements-')));
  chmodSync(elements, 0o755);
  const image = join(out, `img-${readdirSync(out).length}`);
  const env = { ELEMENTS_PATH: elements, TMP_DIR: out, ...o.env, ...(o.user ? { HOME: `/home/${o.user}` } : {}) };
  const argv = ['plant', ...args, '-o', image];
  let r: CliResult;
  if (o.privateVarTmp) {
    const p = spawnSync('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', PRIVATE_VAR_TMP, 'sh', join(BIN, 'disk-image-create'), ...argv], {
      env: { ...process.env, CI: 'true', ...env },
      encoding: 'utf8',
      timeout: 600_000,
    });
    r = { status: p.status ?? -1, stdout: p.stdout ?? '', stderr: p.stderr ?? '' };
  } else {
    r = runCli('disk-image-create', argv, { env, ...(o.user ? { user: o.user } : {}) });
  }
  assert.deepEqual(c.snapshot(), before, `the host canary is untouched\n${r.stderr}`);
  assert.notEqual(r.status, 99, r.stderr);
  return { ...r, image };
}

export const tar = (r: Build, ...a: string[]) => spawnSync('tar', [...a, '-f', `${r.image}.tar`], { encoding: 'utf8' }).stdout;
export const listing = (r: Build) => tar(r, '--numeric-owner', '-tv');
export function newCanary(base?: string, owner?: number): Canary {
  const c = makeCanary(base);
  if (owner !== undefined) for (const p of snapshot(c.dir).map((l) => join(c.dir, l.split(' ')[0]!))) lchownSync(p, owner, owner);
  canaries.push(c);
  return c;
}
export function expectLocated(r: CliResult, where: RegExp, what: RegExp): void {
  assert.equal(r.status, 1, `a user error (exit 1), not a crash: ${r.stderr}`);
  assert.match(r.stderr, where);
  assert.match(r.stderr, what);
  assert.doesNotMatch(r.stderr, /\n\s+at .*\.js:\d+/, 'no stack trace');
}
