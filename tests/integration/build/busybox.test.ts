// A whole offline build: busybox-minimal + a test element with a hook in every phase, to a tar.
// The tarball shows that every phase ran, in order, with environment.d applied, and (in the tree)
// with /proc and the hooks present. Then the same as an unprivileged user.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { FIXTURE_ELEMENTS, isRoot, mountPoints, runCli } from '../../helpers/cli.js';

const PHASES = ['root', 'extra-data', 'pre-install', 'install', 'post-install', 'post-root', 'block-device', 'pre-finalise', 'finalise', 'cleanup'];
const IN_TREE = new Set(['pre-install', 'install', 'post-install', 'finalise']);

function tarFile(tar: string, path: string): string {
  const r = spawnSync('tar', ['-xOf', tar, path], { encoding: 'utf8' });
  assert.equal(r.status, 0, `tar -xOf ${path}: ${r.stderr}`);
  return r.stdout;
}

function checkMarkers(tar: string, inTreeUid: string): void {
  PHASES.forEach((ph, i) => {
    const lines = tarFile(tar, `./var/lib/phase-markers/${ph}`).trim().split('\n');
    const [seq, phaseDir, envValue, who] = lines[0]!.split(' ');
    assert.equal(Number(seq), i, `${ph} ran in position ${i}`);
    assert.equal(phaseDir, `${ph}.d`);
    assert.equal(envValue, 'from-environment-d', `${ph}: environment.d applied`);
    if (IN_TREE.has(ph)) {
      assert.equal(who, inTreeUid, `${ph}: runs as root of the tree`);
      assert.deepEqual(lines.slice(1), ['proc-ok', 'hooks-ok'], `${ph}: /proc and /tmp/in_target.d present`);
    } else {
      assert.equal(who, 'host');
    }
  });
}

describe('busybox-minimal build to tar', () => {
  const out = mkdtempSync(join(tmpdir(), 'kiln-busybox-'));
  chmodSync(out, 0o777);
  after(() => rmSync(out, { recursive: true, force: true }));
  const mounts = mountPoints();

  it('runs every phase in order and writes a tar that shows it', () => {
    const r = runCli('disk-image-create', ['phase-markers', '-t', 'tar', '-o', join(out, 'bb')], {
      env: { ELEMENTS_PATH: FIXTURE_ELEMENTS, TMP_DIR: out },
    });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /Timings \(seconds\):[\s\S]*install\.d/);
    assert.match(r.stdout, /\nBuild completed successfully\n$/, "DIB's last line, which wrappers wait for");
    assert.doesNotMatch(r.stderr, /no bootloader element/, 'a tar needs no bootloader');
    const tar = join(out, 'bb.tar');
    checkMarkers(tar, '0');
    const list = spawnSync('tar', ['--numeric-owner', '-tvf', tar], { encoding: 'utf8' }).stdout;
    assert.match(list, /0\/42\s+\d+ [^\n]*\.\/etc\/shadow/, 'shadow group kept: 0/42');
    assert.match(list, /\.\/usr\/local\/bin\/dib-init-system/, 'base -> dib-init-system ran');
    assert.deepEqual(
      readdirSync(out).filter((f) => f.startsWith('kiln-')),
      [],
      'workspace removed after success',
    );
    assert.deepEqual(mountPoints(), mounts, 'mount table unchanged');
  });

  it('a disk image without the bootloader element is written, with a warning that it will not boot', () => {
    const r = runCli('disk-image-create', ['-n', 'busybox-minimal', '-t', 'raw', '-o', join(out, 'noboot')], { env: { TMP_DIR: out } });
    assert.equal(r.status, 0, r.stderr);
    assert.match(
      r.stderr,
      /WARNING: no bootloader element: the disk image is a bare filesystem without a partition table or boot code \(as in DIB\) and will not boot by itself \(add vm/,
    );
    assert.ok(existsSync(join(out, 'noboot.raw')));
  });

  it('runs an install-types script from its install.d/<prefix>-<type>-install/ subdirectory', () => {
    // measured: planned as install.d/10-x but left in its subdirectory, so the run failed with "not found"
    for (const [type, env] of [
      ['source', {}],
      ['package', { DIB_INSTALLTYPE_marker: 'package' }],
    ] as const) {
      const r = runCli('disk-image-create', ['install-types-marker', '-t', 'tar', '-o', join(out, `it-${type}`)], {
        env: { ELEMENTS_PATH: FIXTURE_ELEMENTS, TMP_DIR: out, DIB_DEFAULT_INSTALLTYPE: 'source', ...env },
      });
      assert.equal(r.status, 0, r.stderr);
      assert.equal(tarFile(join(out, `it-${type}.tar`), './var/lib/install-type-marker'), `${type}\n`);
    }
  });

  it('puts <IMAGE_NAME>.d (manifests) beside the image, not in the working directory', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'kiln-cwd-'));
    try {
      const r = runCli('disk-image-create', ['busybox-minimal', 'manifests', '-t', 'tar', '-o', join(out, 'mf')], { env: { TMP_DIR: out }, cwd });
      assert.equal(r.status, 0, r.stderr);
      assert.ok(existsSync(join(out, 'mf.d')), 'mf.d beside mf.tar');
      assert.deepEqual(readdirSync(cwd), [], 'nothing written in the working directory');
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });

  it('does the same as an unprivileged user', { skip: !isRoot() && process.env.CI !== 'true' ? 'needs root to switch to the test user' : false }, () => {
    const r = runCli('disk-image-create', ['phase-markers', '-t', 'tar', '-o', join(out, 'bbu')], {
      env: { ELEMENTS_PATH: FIXTURE_ELEMENTS, TMP_DIR: out, HOME: '/home/kiln-test' },
      user: 'kiln-test',
    });
    assert.equal(r.status, 0, r.stderr);
    const tar = join(out, 'bbu.tar');
    checkMarkers(tar, '0');
    const list = spawnSync('tar', ['--numeric-owner', '-tvf', tar], { encoding: 'utf8' }).stdout;
    assert.match(list, /0\/42\s+\d+ [^\n]*\.\/etc\/shadow/, "owners in the tar are the tree's, not the user's");
    assert.deepEqual(
      readdirSync(out).filter((f) => f.startsWith('kiln-')),
      [],
      'workspace removed after success',
    );
  });
});
