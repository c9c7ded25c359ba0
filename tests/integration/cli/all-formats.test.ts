// Issue 6 acceptance: one busybox build writes all nine formats with checksums; each is read back
// with independent tools (qemu-img, tar, skopeo, unsquashfs, md5sum/sha256sum).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { runCli } from '../../helpers/cli.js';

const run = (cmd: string, args: string[], cwd?: string) => {
  const r = spawnSync(cmd, args, { encoding: 'utf8', cwd, maxBuffer: 64 * 1024 * 1024 });
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
};

describe('disk-image-create busybox-minimal -t <all nine formats>', () => {
  const out = mkdtempSync(join(tmpdir(), 'kiln-formats-'));
  after(() => rmSync(out, { recursive: true, force: true }));
  const X = join(out, 'X');
  const files = ['X.qcow2', 'X.raw', 'X.vhd', 'X.vmdk', 'X.tar', 'X.tgz', 'X.docker.tar', 'X.oci.tar', 'X.squash'];

  it('writes all nine in one run, with md5 and sha256 beside each', () => {
    const r = runCli(
      'disk-image-create',
      ['busybox-minimal', '-t', 'qcow2,raw,vhd,vmdk,tar,tgz,docker,oci,squash', '--docker-target', 'kiln/test:1', '--checksum', '-o', X],
      { env: { TMP_DIR: out } },
    );
    assert.equal(r.status, 0, r.stderr);
    for (const f of files) {
      assert.ok(existsSync(join(out, f)), `${f} written`);
      run('md5sum', ['-c', `${f}.md5`], out);
      run('sha256sum', ['-c', `${f}.sha256`], out);
    }
  });
  it('disk formats: qemu-img sees the same disk in each', () => {
    for (const [f, fmt] of [
      ['X.qcow2', 'qcow2'],
      ['X.vhd', 'vpc'],
      ['X.vmdk', 'vmdk'],
    ] as const) {
      const info = JSON.parse(run('qemu-img', ['info', '-f', fmt, '--output=json', join(out, f)]));
      assert.equal(info.format, fmt);
      assert.match(run('qemu-img', ['compare', '-f', 'raw', '-F', fmt, join(out, 'X.raw'), join(out, f)]), /Images are identical/);
    }
    assert.match(run('qemu-img', ['info', '--output=json', join(out, 'X.vmdk')]), /streamOptimized/);
    const fsck = spawnSync('e2fsck', ['-fn', join(out, 'X.raw')], { encoding: 'utf8' });
    assert.equal(fsck.status, 0, `the bare root filesystem (no vm element) is clean: ${fsck.stdout}`);
  });
  it('tree formats: tar, tgz, docker and oci archives, squashfs', () => {
    assert.match(run('tar', ['-tf', join(out, 'X.tar')]), /\.\/bin\/busybox/);
    assert.match(run('tar', ['-tzf', join(out, 'X.tgz')]), /\.\/bin\/busybox/);
    const docker = JSON.parse(run('skopeo', ['inspect', `docker-archive:${join(out, 'X.docker.tar')}`]));
    assert.equal(docker.Architecture, 'amd64');
    assert.equal(docker.Layers.length, 1);
    const oci = JSON.parse(run('skopeo', ['inspect', `oci-archive:${join(out, 'X.oci.tar')}:kiln/test:1`]));
    assert.equal(oci.Layers.length, 1);
    run('skopeo', ['copy', `docker-archive:${join(out, 'X.docker.tar')}`, `dir:${join(out, 'copied')}`]);
    assert.match(run('unsquashfs', ['-l', join(out, 'X.squash')]), /squashfs-root\/bin\/busybox/);
  });
});
