// Two whole busybox-minimal builds with the same SOURCE_DATE_EPOCH, seconds apart and into separate
// directories (the second from the layer the first stored: other atimes and ctimes), give the same bytes for every
// tree output (tar, tgz, docker, oci, squash) and every disk output (raw, qcow2, vhd, vhdx, vmdk)
// of a layout with an ESP (vfat) and an ext4 root.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { runCli } from '../../helpers/cli.js';

const work = mkdtempSync(join(tmpdir(), 'kiln-repro-build-'));
after(() => rmSync(work, { recursive: true, force: true }));
const sha = (f: string) => createHash('sha256').update(readFileSync(f)).digest('hex');

const build = (name: string, args: string[]) => {
  const r = runCli('disk-image-create', [...args, '-o', join(work, name, 'bb')], {
    env: { SOURCE_DATE_EPOCH: '1700000000', DIB_IMAGE_CACHE: join(work, 'cache') },
  });
  assert.equal(r.status, 0, r.stderr);
};

describe('reproducible builds', () => {
  it('busybox-minimal -t tar,tgz,docker,oci,squash twice with SOURCE_DATE_EPOCH: the same sha256 for each', async () => {
    for (const name of ['a', 'b']) {
      const r = runCli(
        'disk-image-create',
        ['-n', 'busybox-minimal', '-t', 'tar,tgz,docker,oci,squash', '--docker-target', 'kiln/bb:1', '-o', join(work, name, 'bb')],
        {
          env: { SOURCE_DATE_EPOCH: '1700000000', DIB_IMAGE_CACHE: join(work, 'cache') },
        },
      );
      assert.equal(r.status, 0, r.stderr);
      await new Promise((res) => setTimeout(res, 1100));
    }
    for (const f of ['bb.tar', 'bb.tgz', 'bb.docker.tar', 'bb.oci.tar', 'bb.squash']) {
      assert.equal(sha(join(work, 'a', f)), sha(join(work, 'b', f)), f);
    }
  });

  it('busybox-minimal block-device-efi -t raw,qcow2,vhd,vhdx,vmdk twice: the same sha256 for each', async () => {
    for (const name of ['disk-a', 'disk-b']) {
      build(name, ['-n', 'busybox-minimal', 'block-device-efi', '-t', 'raw,qcow2,vhd,vhdx,vmdk']);
      await new Promise((res) => setTimeout(res, 2100)); // FAT keeps 2 s, ext 1 s: a leaked clock shows
    }
    for (const f of ['bb.raw', 'bb.qcow2', 'bb.vhd', 'bb.vhdx', 'bb.vmdk']) {
      assert.equal(sha(join(work, 'disk-a', f)), sha(join(work, 'disk-b', f)), f);
    }
  });
});
