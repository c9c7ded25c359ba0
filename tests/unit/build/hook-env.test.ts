import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { dibEnv, hookEnvironment } from '../../../src/build/hook-env.js';
import { parseArgv } from '../../../src/config/argv.js';
import { createBuildConfig } from '../../../src/config/build-config.js';

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
});
