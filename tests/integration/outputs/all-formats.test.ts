// Every output format written from one small tree and one small raw disk, then read back with
// independent tools: qemu-img (info/check/compare), GNU tar, skopeo, unsquashfs, md5sum/sha256sum.
import assert from 'node:assert/strict';
import { readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { writeOutputs, type OutputResult } from '../../../src/outputs/write.js';
import { isRoot, makeRawDisk, makeTree, request, sh, tempRoot } from './fixture.js';

const skip = !isRoot && process.env.CI !== 'true' ? 'needs root (chown to 1000:1000, mknod)' : false;
const ALL = ['qcow2', 'raw', 'vhd', 'vhdx', 'vmdk', 'tar', 'tgz', 'docker', 'oci', 'squash'];

describe('all output formats', { skip }, () => {
  const root = tempRoot('all');
  const out = join(root, 'out');
  let raw = '';
  let results: OutputResult[] = [];
  after(() => rmSync(root, { recursive: true, force: true }));
  before(async () => {
    const tree = makeTree(root);
    raw = makeRawDisk(root, tree);
    results = await writeOutputs(request({ outDir: out, tree, rawImage: raw, dockerTarget: 'kiln/test:1', checksums: ['md5', 'sha256'] }), ALL);
  });
  const file = (ext: string) => join(out, `img.${ext}`);

  it('writes one file per format, raw last, with both checksums beside each', () => {
    assert.deepEqual(
      results.map((r) => r.format),
      ['qcow2', 'vhd', 'vhdx', 'vmdk', 'tar', 'tgz', 'docker', 'oci', 'squash', 'raw'],
    );
    const names = readdirSync(out).sort();
    assert.equal(names.length, 30, names.join(' '));
    assert.ok(!names.some((n) => n.startsWith('.')), `no temporary file left: ${names.join(' ')}`);
  });

  it('disk formats hold exactly the raw image (qemu-img compare) and pass qemu-img check', () => {
    for (const [ext, fmt] of [
      ['qcow2', 'qcow2'],
      ['vhd', 'vpc'],
      ['vhdx', 'vhdx'],
      ['vmdk', 'vmdk'],
      ['raw', 'raw'],
    ] as const) {
      const info = JSON.parse(sh('qemu-img', ['info', '--output=json', file(ext)])) as Record<string, any>;
      assert.equal(info.format, fmt, ext);
      assert.equal(info['virtual-size'], 64 << 20, ext);
      assert.match(sh('qemu-img', ['compare', '-f', 'raw', '-F', fmt, raw, file(ext)]), /Images are identical/, ext);
      if (['qcow2', 'vhdx', 'vmdk'].includes(fmt)) sh('qemu-img', ['check', '-f', fmt, file(ext)]);
    }
  });

  it('qcow2 is zstd-compressed, vmdk streamOptimized, vhd dynamic', () => {
    const q = JSON.parse(sh('qemu-img', ['info', '--output=json', file('qcow2')])) as Record<string, any>;
    assert.equal(q['format-specific'].data['compression-type'], 'zstd');
    const v = JSON.parse(sh('qemu-img', ['info', '--output=json', file('vmdk')])) as Record<string, any>;
    assert.equal(v['format-specific'].data['create-type'], 'streamOptimized');
    assert.ok(statSync(file('vhd')).size < 32 << 20, 'dynamic vhd is smaller than the disk');
  });

  it('raw stays sparse', () => {
    const s = statSync(file('raw'));
    assert.equal(s.size, 64 << 20);
    assert.ok(s.blocks * 512 < 8 << 20, `allocated ${s.blocks * 512}`);
  });

  for (const [ext, flag] of [
    ['tar', '-tvf'],
    ['tgz', '-tzvf'],
  ] as const) {
    it(`${ext}: GNU tar sees owners, modes, the symlink, the device, and no proc/sys contents`, () => {
      const list = sh('tar', ['--numeric-owner', flag, file(ext)]);
      assert.match(list, /^-rw------- 1000\/1000 +19 [^\n]* \.\/home\/user\/secret$/m);
      assert.match(list, /^lrwxrwxrwx 0\/0 .* \.\/etc\/link -> hostname$/m);
      assert.match(list, /^crw-rw-rw- 0\/0 +1,3 .* \.\/dev\/null$/m);
      assert.match(list, /^drwxrwxrwt 0\/0 .* \.\/tmp\/$/m);
      assert.match(list, /^drwxr-xr-x 0\/0 .* \.\/proc\/$/m);
      assert.doesNotMatch(list, /proc\/1|sys\/kernel/);
      assert.match(list, / 2023-11-14 \d\d:\d\d \.\/etc\/hostname$/m, 'mtime clamped to the epoch');
    });
  }

  it('tar keeps extended attributes, security.capability included', () => {
    const list = sh('tar', ['--xattrs', '--xattrs-include=*', '-tvvvf', file('tar')]);
    assert.match(list, /\.\/bin\/sh\n {2}x: 3 user\.kiln\n {2}x: 20 security\.capability/);
  });

  it('tar keeps POSIX ACLs', () => {
    const list = sh('tar', ['--acls', '-tvvvf', file('tar')]);
    assert.match(list, /\.\/etc\/acl-file\n {2}a: user::rw-,user:[\w-]+:r--,group::r--,mask::r--,other::---/);
  });

  it('docker: skopeo reads the archive and copies it without a daemon', () => {
    const info = JSON.parse(sh('skopeo', ['inspect', `docker-archive:${file('docker.tar')}`])) as Record<string, any>;
    assert.equal(info.Architecture, 'amd64');
    assert.equal(info.Os, 'linux');
    assert.equal(info.Layers.length, 1);
    const dir = join(root, 'docker-dir');
    sh('skopeo', ['copy', '-q', `docker-archive:${file('docker.tar')}:kiln/test:1`, `dir:${dir}`]);
    const m = JSON.parse(sh('cat', [join(dir, 'manifest.json')])) as Record<string, any>;
    assert.equal(m.layers.length, 1);
    assert.match(sh('tar', ['--numeric-owner', '-tvf', join(dir, m.layers[0].digest.replace('sha256:', ''))]), /1000\/1000 .*secret/);
  });

  it('oci: skopeo finds the image by its ref name and copies it', () => {
    const dir = join(root, 'oci-dir');
    sh('skopeo', ['copy', '-q', `oci-archive:${file('oci.tar')}:kiln/test:1`, `dir:${dir}`]);
    const cfg = JSON.parse(sh('skopeo', ['inspect', '--config', `oci-archive:${file('oci.tar')}:kiln/test:1`])) as Record<string, any>;
    assert.deepEqual(cfg.config.Cmd, ['/bin/sh']);
    assert.equal(cfg.architecture, 'amd64');
    assert.throws(() => sh('skopeo', ['inspect', `oci-archive:${file('oci.tar')}:kiln/other:1`]), 'an unknown ref is not found');
  });

  it('squash: unsquashfs lists owners, modes, the device and no proc/sys contents', () => {
    const list = sh('unsquashfs', ['-lln', file('squash')]);
    assert.match(list, /^-rw------- 1000\/1000 +19 .* squashfs-root\/home\/user\/secret$/m);
    assert.match(list, /^crw-rw-rw- 0\/0 +1, +3 .* squashfs-root\/dev\/null$/m);
    assert.match(list, /squashfs-root\/etc\/link -> hostname$/m);
    assert.match(list, /squashfs-root\/proc$/m);
    assert.doesNotMatch(list, /proc\/1|sys\/kernel/);
  });

  it('checksum files verify with md5sum -c and sha256sum -c', () => {
    const md5 = readdirSync(out).filter((n) => n.endsWith('.md5'));
    const sha = readdirSync(out).filter((n) => n.endsWith('.sha256'));
    assert.equal(md5.length, 10);
    assert.equal(sha.length, 10);
    assert.equal(sh('md5sum', ['-c', ...md5], out).match(/: OK$/gm)?.length, 10);
    assert.equal(sh('sha256sum', ['-c', ...sha], out).match(/: OK$/gm)?.length, 10);
  });
});
