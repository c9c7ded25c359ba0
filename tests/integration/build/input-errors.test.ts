// Every bad input is found before the build starts (no workspace, no hook run), with a short
// message naming the flag, variable, file or element, exit 1 (2 for usage) and no stack trace;
// nothing hangs. Dangling symlinks in elements are skipped, as DIB skips them.
import assert from 'node:assert/strict';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { after, describe, it } from 'node:test';
import { makeElementTree, removeTree } from '../../helpers/element-tree.js';
import { FIXTURE_ELEMENTS, isRoot, runCli } from '../../helpers/cli.js';

const tmp = mkdtempSync(join(tmpdir(), 'kiln-input-errors-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
chmodSync(tmp, 0o755);
const workspaces = (): string[] => readdirSync(tmp).filter((f) => f.startsWith('kiln-'));

function expectRefused(r: { status: number; stderr: string }, message: RegExp, code = 1): void {
  assert.equal(r.status, code, `exit code; stderr:\n${r.stderr}`);
  assert.match(r.stderr, message);
  assert.match(r.stderr, /hint: /);
  assert.doesNotMatch(r.stderr, /\n\s+at .+:\d+:\d+/, 'no stack trace');
  assert.doesNotMatch(r.stderr, /internal error|workspace is kept/, 'refused before the build');
  assert.ok(r.stderr.split('\n').length < 25, `short message, got:\n${r.stderr}`);
  assert.deepEqual(workspaces(), [], 'no workspace was made');
}

describe('inputs checked before the build', () => {
  const env = { TMP_DIR: tmp };
  // a hang (the old behaviour under /proc) fails the test instead of blocking it
  const dic = (args: string[], extra: Record<string, string> = {}, opts: { cwd?: string; user?: string } = {}) =>
    runCli('disk-image-create', ['-t', 'tar', ...args], { env: { ...env, ...extra }, timeoutMs: 60_000, ...opts });

  for (const [label, args, extra, message] of [
    ['--logfile under /proc', ['--logfile', '/proc/kiln-nothing/log'], {}, /--logfile \/proc\/kiln-nothing\/log: \/proc is on a proc filesystem/],
    ['TMP_DIR under /proc', [], { TMP_DIR: '/proc/kiln-nothing' }, /TMP_DIR=\/proc\/kiln-nothing: \/proc is on a proc filesystem/],
    ['DIB_IMAGE_CACHE under /proc', [], { DIB_IMAGE_CACHE: '/proc/kiln-nothing' }, /DIB_IMAGE_CACHE=\/proc\/kiln-nothing: \/proc is on a proc filesystem/],
    ['-o under /sys', ['-o', '/sys/kiln-nothing/img'], {}, /-o \/sys\/kiln-nothing\/img: \/sys is on a sysfs filesystem/],
    ['--logfile naming a directory', ['--logfile', tmp], {}, /--logfile \S+: \S+ is a directory/],
  ] as const) {
    it(`refuses ${label}, without hanging`, () => {
      const r = dic(['-o', join(tmp, 'out'), ...args, 'busybox-minimal'], extra);
      expectRefused(r, message);
    });
  }

  it("refuses -o '' (usage), naming DIB's default, and writes nothing beside the working directory", () => {
    const cwd = join(tmp, 'parent', 'cwd');
    mkdirSync(cwd, { recursive: true });
    const r = dic(['-o', '', 'busybox-minimal'], {}, { cwd });
    expectRefused(r, /-o: the image name is empty \(DIB falls back to its default name 'image' then\)/, 2);
    assert.deepEqual(readdirSync(join(tmp, 'parent')), ['cwd']);
    expectRefused(dic(['-o', `${join(tmp, 'out')}/`, 'busybox-minimal']), /-o: '\S+\/' names a directory, not an image file/, 2);
  });

  it('refuses a layout with no filesystem at /, naming the layout file and line', () => {
    const layout = join(tmp, 'no-root.yaml');
    writeFileSync(
      layout,
      '- local_loop:\n    name: image0\n    size: 64MiB\n- partitioning:\n    base: image0\n    label: mbr\n    partitions:\n' +
        '      - name: data\n        size: 100%\n        mkfs: {type: ext4, mount: {mount_point: /srv}}\n',
    );
    const r = dic(['-t', 'raw', '-o', join(tmp, 'nr'), 'busybox-minimal'], { DIB_BLOCK_DEVICE_CONFIG: `file://${layout}` });
    expectRefused(r, /no-root\.yaml:10: no filesystem is mounted at \/: the image would hold none of the tree \(mounted: \/srv\)/);
    assert.ok(!existsSync(join(tmp, 'nr.raw')));
  });

  it('reports a bad --docker-target, a --qemu-img-options typo and an -o that cannot be made, together', () => {
    const file = join(tmp, 'a-file');
    writeFileSync(file, '');
    const r = dic([
      '-t',
      'docker,qcow2',
      '--docker-target',
      'Bad Name',
      '--qemu-img-options',
      'compat=1.1,lazy_refcount=on',
      '-o',
      join(file, 'img'),
      'busybox-minimal',
    ]);
    expectRefused(r, /the build cannot start:/);
    assert.match(r.stderr, /--docker-target: 'Bad Name' is not a valid NAME:TAG/);
    assert.match(r.stderr, /--qemu-img-options: 'lazy_refcount' is not an option of qemu-img for qcow2 output\n\s+hint: qcow2 takes: .*lazy_refcounts/);
    assert.match(r.stderr, /-o \S+a-file\/img: \S+a-file is not a directory/);
    expectRefused(
      dic(['-t', 'qcow2', '--qemu-img-options', 'compat', '-o', join(tmp, 'q'), 'busybox-minimal']),
      /--qemu-img-options: 'compat' is not key=value/,
    );
  });

  const asUser = !isRoot()
    ? 'needs root to switch to the test user'
    : spawnSync('id', ['kiln-test']).status !== 0
      ? 'no user kiln-test (scripts/setup-test-user)'
      : false;
  it('refuses an -o directory the unprivileged user cannot create, before the build', { skip: asUser }, () => {
    const mine = join(tmp, 'mine');
    mkdirSync(mine);
    chownSync(mine, Number(spawnSync('id', ['-u', 'kiln-test'], { encoding: 'utf8' }).stdout.trim()), 0);
    const user = { HOME: '/home/kiln-test', TMP_DIR: mine };
    const locked = join(tmp, 'locked');
    mkdirSync(locked, { mode: 0o755 });
    const r = dic(['-o', join(locked, 'sub', 'img'), 'busybox-minimal'], user, { user: 'kiln-test' });
    expectRefused(r, /-o \S+locked\/sub\/img: cannot create \S+locked\/sub: no write access to \S+locked \(permission denied for user kiln-test\)/);
    assert.deepEqual(readdirSync(mine), [], 'no workspace was made');
    const ok = dic(['-o', join(mine, 'sub', 'img'), 'busybox-minimal'], user, { user: 'kiln-test' });
    assert.equal(ok.status, 0, ok.stderr);
    assert.ok(existsSync(join(mine, 'sub', 'img.tar')));
  });
});

describe('dangling symlinks in elements', () => {
  const elements = makeElementTree({
    'with-dangling': { deps: ['busybox-minimal'], files: { 'install.d/20-real': '#!/bin/sh\necho "the real hook ran"\n', 'static/keep': 'x\n' } },
  });
  after(() => removeTree(elements));
  const el = join(elements, 'with-dangling');
  symlinkSync('/kiln-nothing', join(el, 'dangling-file'));
  symlinkSync('/kiln-nothing', join(el, 'install.d', '10-dangling-hook'));
  symlinkSync('/kiln-nothing', join(el, 'static', 'dangling'));
  symlinkSync('loop-b', join(el, 'loop-a'));
  symlinkSync('loop-a', join(el, 'loop-b'));
  symlinkSync('/kiln-nothing', join(elements, 'dangling-element'));

  it('skips them as DIB does; the real hooks run', () => {
    const r = runCli('disk-image-create', ['-t', 'tar', '-o', join(tmp, 'dl'), 'with-dangling'], {
      env: { ELEMENTS_PATH: `${elements}:${FIXTURE_ELEMENTS}`, TMP_DIR: tmp },
      timeoutMs: 120_000,
    });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout + r.stderr, /the real hook ran/);
    assert.ok(existsSync(join(tmp, 'dl.tar')));
  });
});
