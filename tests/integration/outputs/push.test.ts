/**
 * --push: a busybox-minimal build's oci (or docker) output copied to a local registry (Debian's
 * docker-registry on loopback, tests/helpers/registry.ts) with skopeo; what the registry has is
 * read back with skopeo inspect and compared with the archive Kiln wrote.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parsePushTarget, planPush } from '../../../src/outputs/push.js';
import { runCli } from '../../helpers/cli.js';
import { startRegistry } from '../../helpers/registry.js';

function skopeo(args: string[]): string {
  const r = spawnSync('skopeo', args, { encoding: 'utf8' });
  assert.equal(r.status, 0, `skopeo ${args.join(' ')}:\n${r.stderr}`);
  return r.stdout;
}

describe('kiln build --push', () => {
  let registry: { host: string; stop(): Promise<void> };
  const out = mkdtempSync(join(tmpdir(), 'kiln-push-'));
  chmodSync(out, 0o777);
  before(async () => {
    registry = await startRegistry();
  });
  after(async () => {
    await registry?.stop();
    rmSync(out, { recursive: true, force: true });
  });

  it('the oci output goes to REGISTRY/NAME:TAG; the registry has its config and layer content', () => {
    const dest = `${registry.host}/kiln/busybox:1`;
    const r = runCli('kiln', ['build', 'busybox-minimal', '-t', 'oci,tar', '--docker-target', 'kiln/bb:7', '--push', dest, '-o', join(out, 'bb')], {
      env: { TMP_DIR: out },
    });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, new RegExp(`pushed ${join(out, 'bb.oci.tar')} to ${dest}`));
    const local = JSON.parse(skopeo(['inspect', '--raw', `oci-archive:${join(out, 'bb.oci.tar')}:kiln/bb:7`]));
    const pushed = JSON.parse(skopeo(['inspect', '--raw', '--tls-verify=false', `docker://${dest}`]));
    // skopeo compresses the layer for the registry: the config (with the layer's diff_id) is the same
    assert.equal(pushed.layers.length, 1);
    assert.equal(pushed.config.digest, local.config.digest, 'the same config');
    const localCfg = JSON.parse(skopeo(['inspect', '--config', `oci-archive:${join(out, 'bb.oci.tar')}:kiln/bb:7`]));
    assert.deepEqual(localCfg.rootfs.diff_ids, [local.layers[0].digest], "the archive's layer is uncompressed: its digest is its diff_id");
    const cfg = JSON.parse(skopeo(['inspect', '--config', '--tls-verify=false', `docker://${dest}`]));
    assert.deepEqual(cfg.rootfs.diff_ids, localCfg.rootfs.diff_ids, 'the same layer content');
    assert.equal(cfg.os, 'linux');
    assert.equal(cfg.architecture, 'amd64');
  });

  it('disk-image-create --push with only a docker output pushes that one (same diff_ids)', () => {
    const dest = `${registry.host}/kiln/busybox:docker`;
    const r = runCli('disk-image-create', ['busybox-minimal', '-t', 'docker', '--docker-target', 'kiln/bb:8', '--push', dest, '-o', join(out, 'bbd')], {
      env: { TMP_DIR: out },
    });
    assert.equal(r.status, 0, r.stderr);
    const local = JSON.parse(skopeo(['inspect', '--config', `docker-archive:${join(out, 'bbd.docker.tar')}`]));
    const pushed = JSON.parse(skopeo(['inspect', '--config', '--tls-verify=false', `docker://${dest}`]));
    assert.deepEqual(pushed.rootfs.diff_ids, local.rootfs.diff_ids);
    assert.deepEqual(JSON.parse(skopeo(['list-tags', '--tls-verify=false', `docker://${registry.host}/kiln/busybox`])).Tags.sort(), ['1', 'docker']);
  });

  it('before any work: --push without a container output, or without a registry in the reference, is a user error', () => {
    const noImage = runCli('kiln', ['build', 'busybox-minimal', '-t', 'tar', '--push', `${registry.host}/kiln/x:1`, '-o', join(out, 'none')], {
      env: { TMP_DIR: out },
    });
    assert.equal(noImage.status, 1, noImage.stderr);
    assert.match(noImage.stderr, /--push 127\.0\.0\.1:\d+\/kiln\/x:1 copies a container image, but the build writes none/);
    assert.match(noImage.stderr, /hint: add -t oci \(or -t docker\)/);
    const noRegistry = runCli('kiln', ['build', 'busybox-minimal', '-t', 'oci', '--push', 'kiln/x:1', '-o', join(out, 'none')], { env: { TMP_DIR: out } });
    assert.equal(noRegistry.status, 1, noRegistry.stderr);
    assert.match(noRegistry.stderr, /--push kiln\/x:1: the reference names no registry/);
    assert.doesNotMatch(noImage.stderr + noRegistry.stderr, /==> |\n\s+at /, 'no step ran, no stack trace');
  });

  it('planPush: oci-archive with its ref name; TLS verification off only for loopback registries', () => {
    assert.deepEqual(planPush('oci', '/o/x.oci.tar', 'kiln/x:1', parsePushTarget('127.0.0.1:5001/a/b:2')), [
      'skopeo',
      'copy',
      '--quiet',
      '--dest-tls-verify=false',
      'oci-archive:/o/x.oci.tar:kiln/x:1',
      'docker://127.0.0.1:5001/a/b:2',
    ]);
    assert.deepEqual(planPush('docker', '/o/x.docker.tar', 'kiln/x:1', parsePushTarget('registry.example/a/b')), [
      'skopeo',
      'copy',
      '--quiet',
      'docker-archive:/o/x.docker.tar',
      'docker://registry.example/a/b:latest',
    ]);
    assert.equal(parsePushTarget('localhost:5000/a:1').loopback, true);
  });
});
