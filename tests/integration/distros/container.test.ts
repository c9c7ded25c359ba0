/**
 * The containerfile element end to end, offline: the test makes its own OCI image with umoci (a
 * static busybox tree; a second and third layer delete a file and make a directory opaque), pushes
 * it with skopeo to a docker-registry of its own on 127.0.0.1 (plain http), then builds
 * `disk-image-create containerfile` from a Containerfile `FROM 127.0.0.1:PORT/...` with RUN lines, as
 * root and as the unprivileged kiln-test user, and offline from the cache once the registry is gone.
 * The outputs are read with GNU tar, blkid and debugfs.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BIN, isRoot, runCli } from '../../helpers/cli.js';
import { makeElementTree } from '../../helpers/element-tree.js';
import { findTool } from '../../helpers/host-tools.js';
import { startRegistry, type Registry } from '../../helpers/registry.js';

const CI = process.env.CI === 'true';
const USER = 'kiln-test';
const missing = ['skopeo', 'umoci', 'docker-registry', 'debugfs'].filter((t) => !findTool(t));
const skip = CI ? false : !isRoot() ? 'needs root (owners 1000:1000 in the image, runuser)' : missing.length ? `missing ${missing.join(', ')}` : false;

function sh(cmd: string, args: string[], opts: { cwd?: string } = {}): string {
  return execFileSync(cmd, args, { encoding: 'utf8', cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** A static busybox tree with its applet links, a 1000:1000 file, and files the later layers remove. */
function baseLayer(dir: string): void {
  for (const d of ['bin', 'etc', 'home/user', 'opt/old', 'root', 'tmp']) mkdirSync(join(dir, d), { recursive: true });
  execFileSync('install', ['-m', '0755', '/bin/busybox', join(dir, 'bin/busybox')]);
  for (const applet of sh('/bin/busybox', ['--list'])
    .split('\n')
    .filter((a) => a && a !== 'busybox')) {
    symlinkSync('busybox', join(dir, 'bin', applet));
  }
  writeFileSync(join(dir, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nuser:x:1000:1000::/home/user:/bin/sh\n');
  writeFileSync(join(dir, 'etc/group'), 'root:x:0:\nuser:x:1000:\n');
  writeFileSync(join(dir, 'etc/doomed'), 'removed by a whiteout\n');
  writeFileSync(join(dir, 'opt/old/stale'), 'hidden by an opaque whiteout\n');
  // the image's "package manager": records how install-packages called it (real dnf needs a repository)
  mkdirSync(join(dir, 'usr/bin'), { recursive: true });
  writeFileSync(join(dir, 'usr/bin/dnf'), '#!/bin/sh\necho "$*" >> /dnf-calls\n', { mode: 0o755 });
  writeFileSync(join(dir, 'home/user/secret'), 'mine\n', { mode: 0o600 });
  chownSync(join(dir, 'home/user/secret'), 1000, 1000);
  chownSync(join(dir, 'home/user'), 1000, 1000);
  chmodSync(join(dir, 'tmp'), 0o1777);
}

/**
 * An OCI layout: layer 1 the busybox tree (with a device node, and /escape, an absolute symlink to
 * `hostDir`), layer 2 a whiteout of /etc/doomed, layer 3 /opt/old made opaque, layer 4 a file
 * through /escape (which must land inside the tree, never in `hostDir`).
 */
function makeImage(dir: string, hostDir: string): string {
  const layout = join(dir, 'oci');
  const l1 = join(dir, 'layer1');
  const l3 = join(dir, 'layer3');
  const l4 = join(dir, 'layer4');
  baseLayer(l1);
  mkdirSync(join(l1, 'dev'));
  execFileSync('mknod', [join(l1, 'dev/kiln-null'), 'c', '1', '3']);
  symlinkSync(hostDir, join(l1, 'escape'));
  mkdirSync(l3);
  writeFileSync(join(l3, 'fresh'), 'from layer 3\n');
  mkdirSync(l4);
  writeFileSync(join(l4, 'pwned'), 'must stay in the tree\n');
  sh('umoci', ['init', '--layout', layout]);
  sh('umoci', ['new', '--image', `${layout}:1`]);
  sh('umoci', ['config', '--image', `${layout}:1`, '--config.env=GREETING=hello-from-the-image', '--config.env=PATH=/usr/sbin:/usr/bin:/sbin:/bin']);
  sh('umoci', ['insert', '--image', `${layout}:1`, l1, '/']);
  sh('umoci', ['insert', '--image', `${layout}:1`, '--whiteout', '/etc/doomed']);
  sh('umoci', ['insert', '--image', `${layout}:1`, '--opaque', l3, '/opt/old']);
  sh('umoci', ['insert', '--image', `${layout}:1`, join(l4, 'pwned'), '/escape/pwned']);
  return layout;
}

/** disk-image-create in the background (runCli waits; these builds must overlap). */
function runCliAsync(cmd: string, args: string[], env: Record<string, string>): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(join(BIN, cmd), args, { env: { ...process.env, CI: 'true', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => {
      stdout += b.toString();
    });
    child.stderr.on('data', (b: Buffer) => {
      stderr += b.toString();
    });
    child.on('close', (code) => resolve({ status: code ?? -1, stdout, stderr }));
  });
}

function tarList(file: string): string {
  return sh('tar', ['--numeric-owner', '-tvf', file]);
}

function tarCat(file: string, member: string): string {
  return sh('tar', ['-xOf', file, member]);
}

describe('containerfile: an image from a local registry, RUN lines, whiteouts, rootless, offline', { skip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'kiln-container-'));
  let registry: Registry | undefined;
  let containerfile = '';
  let ref = '';
  let hostDir = '';

  before(async () => {
    chmodSync(dir, 0o755);
    hostDir = join(dir, 'host-side');
    mkdirSync(hostDir);
    const layout = makeImage(join(dir, 'image'), hostDir);
    registry = await startRegistry();
    ref = `${registry.host}/kiln/busybox:1`;
    sh('skopeo', ['copy', '--quiet', '--dest-tls-verify=false', `oci:${layout}:1`, `docker://${ref}`]);
    // three images with a large layer each of their own, for pulls that overlap in time
    for (const tag of ['c1', 'c2', 'c3']) {
      const big = join(dir, 'image', `big-${tag}`);
      mkdirSync(big);
      writeFileSync(join(big, 'noise'), randomBytes(16 * 1024 * 1024));
      sh('umoci', ['insert', '--image', `${layout}:1`, '--tag', tag, big, `/big-${tag}`]);
      sh('skopeo', ['copy', '--quiet', '--dest-tls-verify=false', `oci:${layout}:${tag}`, `docker://${registry.host}/kiln/busybox:${tag}`]);
    }
    containerfile = join(dir, 'Containerfile');
    writeFileSync(
      containerfile,
      [
        `FROM ${ref}`,
        'ENV FROM_ENV=set-by-env',
        '# the image config gives GREETING; chown works as root of the tree',
        'RUN echo "$GREETING $FROM_ENV" > /greeting && \\',
        '    chown 1000:1000 /greeting',
        'RUN cat /escape/pwned > /through-escape',
        'WORKDIR /work',
        'RUN ["/bin/touch", "made-in-workdir"]',
        'CMD ["/bin/sh"]',
        '',
      ].join('\n'),
    );
  });
  after(async () => {
    await registry?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const env = (cache: string, tmp: string, extra: Record<string, string> = {}) => ({
    DIB_CONTAINERFILE_DOCKERFILE: containerfile,
    DIB_CONTAINERFILE_BUILDOPTS: '--tls-verify=false',
    DIB_IMAGE_CACHE: cache,
    TMP_DIR: tmp,
    DIB_INIT_SYSTEM: 'sysv',
    ...extra,
  });

  /** What every build of this Containerfile must give, read from the tar with GNU tar. */
  function checkTar(tar: string): void {
    const list = tarList(tar);
    assert.match(list, /^-rwxr-xr-x 0\/0 .* \.\/bin\/busybox$/m);
    assert.match(list, /^-rw------- 1000\/1000 .* \.\/home\/user\/secret$/m, 'owners of the image kept');
    assert.match(list, /^-rw-r--r-- 1000\/1000 .* \.\/greeting$/m, 'chown in a RUN line kept');
    assert.match(list, / \.\/work\/made-in-workdir$/m, 'exec form ran in WORKDIR');
    assert.match(list, / \.\/opt\/old\/fresh$/m);
    assert.doesNotMatch(list, /\.\/etc\/doomed/, 'the whiteout of layer 2 removed it');
    assert.doesNotMatch(list, /\.\/opt\/old\/stale/, 'the opaque whiteout of layer 3 hid it');
    assert.equal(tarCat(tar, './greeting'), 'hello-from-the-image set-by-env\n');
    // layer 4's /escape/pwned: inside the tree, where the tree's symlink leads (a RUN line copied it
    // out of there, before finalise emptied the tree's /tmp), never on the host
    assert.equal(tarCat(tar, './through-escape'), 'must stay in the tree\n');
    assert.deepEqual(readdirSync(hostDir), [], 'nothing written through the symlink on the host');
  }

  it("as root: tar and raw outputs from the pulled image and the RUN lines; -p with the image's dnf", () => {
    const cache = join(dir, 'cache-root');
    const out = join(dir, 'out-root');
    mkdirSync(out);
    const r = runCli('disk-image-create', ['-t', 'tar,raw', '-o', join(out, 'img'), '-p', 'pkg-one,pkg-two', 'containerfile'], {
      env: env(cache, dir, { DIB_CONTAINERFILE_RUNTIME: 'podman' }),
      timeoutMs: 300_000,
    });
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stderr + r.stdout, /pulling .*kiln\/busybox:1/);
    assert.match(r.stderr + r.stdout, /DIB_CONTAINERFILE_RUNTIME=podman is ignored/);
    checkTar(join(out, 'img.tar'));
    assert.match(tarList(join(out, 'img.tar')), /^c\S+ 0\/0 +1,\s*3 .* \.\/dev\/kiln-null$/m, 'as root the device node is made');
    // the element's install-packages ran the image's own dnf chrooted: base's install.d update, then -p
    assert.equal(tarCat(join(out, 'img.tar'), './dnf-calls'), '-y upgrade\n-y install pkg-one pkg-two\n');
    // the disk (without a block-device element: one ext4 filesystem, no partition table), read with debugfs
    const fs = join(out, 'img.raw');
    assert.match(sh('blkid', ['-o', 'value', '-s', 'TYPE', fs]), /^ext4$/m);
    assert.equal(sh('debugfs', ['-R', 'cat /greeting', fs]), 'hello-from-the-image set-by-env\n');
    assert.match(sh('debugfs', ['-R', 'stat /home/user/secret', fs]), /User:\s+1000\s+Group:\s+1000/);
    assert.match(sh('debugfs', ['-R', 'ls /etc', fs]), /passwd/);
    assert.doesNotMatch(sh('debugfs', ['-R', 'ls /etc', fs]), /doomed/);
  });

  it('as the unprivileged kiln-test user: the same owners, through the user namespace', () => {
    const uid = Number(sh('id', ['-u', USER]).trim());
    const work = join(dir, 'rootless');
    mkdirSync(join(work, 'out'), { recursive: true });
    execFileSync('chown', ['-R', `${uid}:${uid}`, work]);
    const r = runCli('disk-image-create', ['-t', 'tar', '-o', join(work, 'out', 'img'), 'containerfile'], {
      env: env(join(work, 'cache'), work),
      user: USER,
      timeoutMs: 300_000,
    });
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
    checkTar(join(work, 'out', 'img.tar'));
    // no mknod in a user namespace: umoci leaves an empty file in the device node's place
    assert.match(tarList(join(work, 'out', 'img.tar')), /^-\S+ 0\/0 +0 .* \.\/dev\/kiln-null$/m);
  });

  it('three builds at once pulling three references into one cache: each keeps its tag (the pulls take turns)', async () => {
    const cache = join(dir, 'cache-shared');
    const builds = ['c1', 'c2', 'c3'].map((tag) => {
      const f = join(dir, `Containerfile.${tag}`);
      writeFileSync(f, `FROM ${registry!.host}/kiln/busybox:${tag}\nRUN echo ${tag} > /tag\n`);
      const out = join(dir, `out-shared-${tag}`);
      mkdirSync(out);
      return runCliAsync(
        'disk-image-create',
        ['-t', 'tar', '-o', join(out, 'img'), 'containerfile'],
        env(cache, dir, { DIB_CONTAINERFILE_DOCKERFILE: f }),
      ).then((r) => ({ ...r, tag, out }));
    });
    for (const r of await Promise.all(builds)) {
      assert.equal(r.status, 0, `build ${r.tag}:\n${r.stdout}\n${r.stderr}`);
      assert.equal(tarCat(join(r.out, 'img.tar'), './tag'), `${r.tag}\n`);
    }
    const index = JSON.parse(readFileSync(join(cache, 'containers', 'oci', 'index.json'), 'utf8')) as { manifests: { annotations: Record<string, string> }[] };
    assert.equal(index.manifests.length, 3, 'the layout holds the three tags');
  });

  it("DIB's lookup in a build: an element's environment.d sets DIB_RELEASE, its containerfiles/RELEASE is used (--no-cache)", () => {
    const elements = makeElementTree(
      {
        'my-os': {
          deps: ['containerfile'],
          files: {
            // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell expansion
            'environment.d/10-my-os.bash': 'export DIB_RELEASE=${DIB_RELEASE:-custom}\nexport DIB_INIT_SYSTEM=sysv\n',
            'containerfiles/custom': `FROM ${ref}\nRUN echo "release $DIB_RELEASE" > /marker\n`,
            'containerfiles/other': `FROM ${ref}\nRUN echo other > /marker\n`,
          },
        },
      },
      join(dir, 'elements'),
    );
    const out = join(dir, 'out-lookup');
    mkdirSync(out);
    // with --no-cache: pulled into the workspace, nothing kept in the cache
    const cache = join(dir, 'cache-none');
    const { DIB_CONTAINERFILE_DOCKERFILE: _unset, ...rest } = env(cache, dir);
    const r = runCli('disk-image-create', ['--no-cache', '-t', 'tar', '-o', join(out, 'img'), 'my-os'], {
      env: { ...rest, ELEMENTS_PATH: elements },
      timeoutMs: 300_000,
    });
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout + r.stderr, /pulling .*kiln\/busybox:1/);
    assert.equal(existsSync(join(cache, 'containers')), false, '--no-cache keeps no image');
    assert.match(r.stdout + r.stderr, /my-os\/containerfiles\/custom:2/);
    // RUN lines do not get the hooks' environment (as in a container build): DIB_RELEASE is empty there
    assert.equal(tarCat(join(out, 'img.tar'), './marker'), 'release \n');
  });

  it('offline (DIB_OFFLINE) from the cache once the registry is gone; an image never pulled is an error naming FROM', async () => {
    await registry!.stop();
    await assert.rejects(fetch(`http://${registry!.host}/v2/`), 'the registry is gone');
    const cache = join(dir, 'cache-root');
    const out = join(dir, 'out-offline');
    mkdirSync(out);
    const r = runCli('disk-image-create', ['-t', 'tar', '-o', join(out, 'img'), 'containerfile'], {
      env: env(cache, dir, { DIB_OFFLINE: '1' }),
      timeoutMs: 300_000,
    });
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
    assert.doesNotMatch(r.stderr + r.stdout, /pulling/);
    checkTar(join(out, 'img.tar'));
    const other = join(dir, 'Containerfile.other');
    writeFileSync(other, `# never pushed\nFROM ${registry!.host}/kiln/other:1\n`);
    const bad = runCli('disk-image-create', ['-t', 'tar', '-o', join(out, 'bad'), 'containerfile'], {
      env: env(cache, dir, { DIB_OFFLINE: '1', DIB_CONTAINERFILE_DOCKERFILE: other }),
      timeoutMs: 120_000,
    });
    assert.equal(bad.status, 1, bad.stderr);
    assert.match(bad.stderr, /offline, and .*kiln\/other:1 .* is not in the cache/);
    assert.match(bad.stderr, /Containerfile\.other:2/);
  });

  it('a COPY line fails before anything is pulled, naming file:line', () => {
    const f = join(dir, 'Containerfile.copy');
    writeFileSync(f, `FROM ${ref}\nRUN true\nCOPY a /a\n`);
    const r = runCli('disk-image-create', ['-t', 'tar', '-o', join(dir, 'copy'), 'containerfile'], {
      env: env(join(dir, 'cache-copy'), dir, { DIB_CONTAINERFILE_DOCKERFILE: f }),
    });
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /Containerfile\.copy:3/);
    assert.match(r.stderr, /COPY changes the tree/);
    assert.equal(spawnSync('test', ['-e', join(dir, 'cache-copy', 'containers')]).status, 1, 'nothing pulled');
  });
});
