import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { DIB_PYTHON_WRAPPER, dibEnv, dibPythonSite, hookEnvironment, writeDibPythonWrapper } from '../../../src/build/hook-env.js';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgv } from '../../../src/config/argv.js';
import { createBuildConfig } from '../../../src/config/build-config.js';
import { hostSecurityArchive, parseSecurityArchive } from '../../../src/distros/host-apt.js';

describe('DIB_ENV', () => {
  it("is what bash's export prints for the DIB_ variables", () => {
    const env = { DIB_RELEASE: 'bookworm', DIB_ODD: 'a "b" $c `d` \\e', PATH: '/bin', DIB_A: '' };
    const bash = spawnSync('bash', ['-c', "export | grep ' DIB_.*='"], { env, encoding: 'utf8' });
    assert.equal(bash.status, 0, bash.stderr);
    assert.equal(dibEnv(env), bash.stdout.trimEnd());
  });
});

describe('the hook environment', () => {
  const ws = {
    root: '/w',
    build: '/w/dib_build.abcdefgh',
    tree: '/w/dib_build.abcdefgh/mnt',
    hooks: '/w/dib_build.abcdefgh/hooks',
    image: '/w/dib_image.abcdefgh',
    tmp: '/w/tmp',
  };
  const env = (e: Record<string, string>) =>
    hookEnvironment(createBuildConfig({ args: parseArgv(['busybox-minimal']), env: e, hostArch: 'amd64', builtinElements: '/k' }), ws, []);
  it('sets DIB_PYTHON_EXEC unless the environment does, and DIB_ENV from the DIB_ variables', () => {
    assert.equal(env({}).DIB_PYTHON_EXEC, 'python3');
    assert.equal(env({ DIB_PYTHON_EXEC: '/opt/py/bin/python3' }).DIB_PYTHON_EXEC, '/opt/py/bin/python3');
    assert.equal(env({ DIB_RELEASE: 'bookworm' }).DIB_ENV, 'declare -x DIB_RELEASE="bookworm"');
  });
  it('sets DIB_ARGS to the whole command line, as DIB exports "$@" before parsing it', () => {
    const argv = ['-x', '-o', 'out/img', '-t', 'tar,qcow2', '--image-size=2', 'debian-minimal vm', '', 'growroot'];
    const e = hookEnvironment(createBuildConfig({ args: parseArgv(argv), env: {}, hostArch: 'amd64', builtinElements: '/k' }), ws, []);
    assert.equal(e.DIB_ARGS, '-x -o out/img -t tar,qcow2 --image-size=2 debian-minimal vm  growroot');
    const bash = spawnSync('bash', ['-c', 'export DIB_ARGS="$@"; printf %s "$DIB_ARGS"', 'disk-image-create', ...argv], { encoding: 'utf8' });
    assert.equal(e.DIB_ARGS, bash.stdout, 'the same string bash makes');
  });
  it("sets DIB_PYTHON_VERSION=3 with a dib-python element (DIB's picks 2 for Debian), unless the environment sets it", () => {
    const withPy = (e: Record<string, string>, names: string[]) =>
      hookEnvironment(
        createBuildConfig({ args: parseArgv(['busybox-minimal']), env: e, hostArch: 'amd64', builtinElements: '/k' }),
        ws,
        names.map((name) => ({ name, path: `/e/${name}`, deps: [], provides: [] })),
      );
    assert.equal(withPy({}, ['debian-minimal', 'dib-python']).DIB_PYTHON_VERSION, '3');
    assert.equal(withPy({ DIB_PYTHON_VERSION: '2' }, ['dib-python']).DIB_PYTHON_VERSION, '2');
    assert.equal(withPy({}, ['debian-minimal']).DIB_PYTHON_VERSION, undefined, 'without dib-python, as DIB: unset');
  });
  it("DIB_DEBIAN_SECURITY_MIRROR from the host's apt configuration for DIB's own debian-minimal, unless set", () => {
    const build = (e: Record<string, string>, path: string) =>
      hookEnvironment(createBuildConfig({ args: parseArgv(['busybox-minimal']), env: e, hostArch: 'amd64', builtinElements: '/k' }), ws, [
        { name: 'debian-minimal', path, deps: [], provides: [] },
      ]);
    assert.equal(build({}, '/k/debian-minimal').DIB_DEBIAN_SECURITY_MIRROR, undefined, "Kiln's own element: its driver reads the setting");
    assert.equal(build({}, '/dib/elements/debian-minimal').DIB_DEBIAN_SECURITY_MIRROR, hostSecurityArchive());
    assert.equal(build({ DIB_DEBIAN_SECURITY_MIRROR: 'http://mine/' }, '/dib/elements/debian-minimal').DIB_DEBIAN_SECURITY_MIRROR, 'http://mine/');
  });
  it('the security archive is the REPO_URI of a -security index', () => {
    const out = 'http://m.example/debian/ bookworm\nhttp://m.example/debian-security/ bookworm-security\n';
    assert.equal(parseSecurityArchive(out), 'http://m.example/debian-security');
    assert.equal(parseSecurityArchive('http://m.example/debian/ bookworm\n'), undefined);
  });
  it("DIB_PYTHON_EXEC for elements from DIB's tree: a wrapper that imports the diskimage_builder beside the tree", () => {
    const site = mkdtempSync(join(tmpdir(), 'kiln-site-'));
    try {
      mkdirSync(join(site, 'diskimage_builder/elements/dpkg'), { recursive: true });
      writeFileSync(join(site, 'diskimage_builder/__init__.py'), '');
      const el = { name: 'dpkg', path: join(site, 'diskimage_builder/elements/dpkg'), deps: [], provides: [] };
      assert.equal(dibPythonSite([el]), site);
      assert.equal(dibPythonSite([{ ...el, path: '/k/dpkg' }]), undefined);
      const cfg = createBuildConfig({ args: parseArgv(['busybox-minimal']), env: {}, hostArch: 'amd64', builtinElements: '/k' });
      const build = mkdtempSync(join(tmpdir(), 'kiln-build-'));
      const w = { ...ws, build };
      assert.equal(hookEnvironment(cfg, w, [el]).DIB_PYTHON_EXEC, join(build, DIB_PYTHON_WRAPPER));
      writeDibPythonWrapper(w, [el]);
      const r = spawnSync(join(build, DIB_PYTHON_WRAPPER), ['-c', 'import diskimage_builder, sys; print(diskimage_builder.__file__)'], {
        encoding: 'utf8',
        env: { PATH: process.env.PATH ?? '' },
      });
      assert.equal(r.stdout.trim(), join(site, 'diskimage_builder/__init__.py'), r.stderr);
      rmSync(build, { recursive: true });
    } finally {
      rmSync(site, { recursive: true });
    }
  });
});
