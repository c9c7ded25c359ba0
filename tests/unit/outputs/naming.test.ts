import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KilnError } from '../../../src/errors.js';
import { encodeImageConfig, goArch, parseImageRef } from '../../../src/outputs/image-config.js';
import { backupName, formatBackupStamp } from '../../../src/outputs/overwrite.js';
import { treeTarArgs } from '../../../src/outputs/tree-tar.js';
import { checkOutputRequest } from '../../../src/outputs/write.js';
import { planOutputs } from '../../../src/outputs/registry.js';
import { Runner } from '../../../src/exec/runner.js';
import { silentLogger } from '../../../src/log.js';
import type { OutputRequest } from '../../../src/outputs/types.js';

describe('OVERWRITE_OLD_IMAGE backup names', () => {
  const now = new Date(Date.UTC(2026, 0, 2, 3, 4, 5));
  it('stamps NAME-YYYY.MM.DD-HH.MM.SS.EXT, keeping multi-part extensions', () => {
    assert.equal(formatBackupStamp(now), '2026.01.02-03.04.05');
    assert.equal(backupName('/o/img.qcow2', 'img', now), '/o/img-2026.01.02-03.04.05.qcow2');
    assert.equal(backupName('/o/img.docker.tar', 'img', now), '/o/img-2026.01.02-03.04.05.docker.tar');
    assert.equal(backupName('/o/my.img.raw.zst', 'my.img', now), '/o/my.img-2026.01.02-03.04.05.raw.zst');
    assert.equal(backupName('/o/img.qcow2', 'img', now, 2), '/o/img-2026.01.02-03.04.05-2.qcow2', 'a taken name gets a counter');
  });
});

describe('image references and config', () => {
  it('requires --docker-target with DIB wording', () => {
    assert.throws(
      () => parseImageRef(undefined, 'docker'),
      (e: unknown) => e instanceof KilnError && e.message === 'docker output needs --docker-target NAME:TAG',
    );
  });
  it('parses NAME:TAG, registry ports and a default tag', () => {
    assert.deepEqual(parseImageRef('kiln/test:1', 'docker'), { name: 'kiln/test', tag: '1' });
    assert.deepEqual(parseImageRef('reg:5000/a/b', 'docker'), { name: 'reg:5000/a/b', tag: 'latest' });
    assert.throws(() => parseImageRef('Kiln/Upper:1', 'docker'), /not a valid NAME:TAG/);
  });
  it('maps Debian architectures to Go names', () => {
    assert.deepEqual(goArch('amd64'), { architecture: 'amd64' });
    assert.deepEqual(goArch('arm64'), { architecture: 'arm64', variant: 'v8' });
    assert.deepEqual(goArch('ppc64el'), { architecture: 'ppc64le' });
  });
  it('encodes a config with the layer diff_id, /bin/sh and the epoch', () => {
    const c = JSON.parse(encodeImageConfig('amd64', 0, 'sha256:ab').toString()) as Record<string, any>;
    assert.equal(c.created, '1970-01-01T00:00:00Z');
    assert.deepEqual(c.rootfs, { type: 'layers', diff_ids: ['sha256:ab'] });
    assert.deepEqual(c.config.Cmd, ['/bin/sh']);
    assert.equal(c.os, 'linux');
  });
});

describe('tree tar arguments', () => {
  it('asks GNU tar for fidelity and reproducibility', () => {
    const a = treeTarArgs({ tree: '/t', epoch: 42 }, '/o/x.tar');
    for (const flag of [
      '--sort=name',
      '--numeric-owner',
      '--xattrs',
      '--xattrs-include=*',
      '--acls',
      '--mtime=@42',
      '--clamp-mtime',
      '--format=posix',
      '--exclude=./proc/*',
      '--exclude=./sys/*',
    ])
      assert.ok(a.includes(flag), flag);
    assert.ok(a.some((x) => x.startsWith('--pax-option=') && x.includes('delete=atime') && !x.includes('%p')));
    assert.equal(a.at(-1), '.');
  });
});

describe('checkOutputRequest', () => {
  const req = (over: Partial<OutputRequest>): OutputRequest => ({
    imageName: 'img',
    outDir: '/o',
    tree: '/t',
    arch: 'amd64',
    epoch: 0,
    compress: true,
    checksums: [],
    runner: new Runner(),
    log: silentLogger,
    identity: { privileged: true, uid: 0, gid: 0, user: 'root' },
    ...over,
  });
  it('reports every problem before anything is written', () => {
    assert.throws(
      () => checkOutputRequest(req({}), planOutputs(['qcow2', 'vmdk', 'docker'])),
      (e: unknown) => {
        assert.ok(e instanceof KilnError);
        assert.match(e.message, /output types qcow2, vmdk need a disk image/);
        assert.match(e.message, /docker output needs --docker-target NAME:TAG/);
        return true;
      },
    );
  });
  it('checks the OCI ref name made from the image name', () => {
    assert.throws(() => checkOutputRequest(req({ imageName: 'My Image' }), planOutputs(['oci'])), /'my image:latest' is not a valid NAME:TAG/);
    checkOutputRequest(req({ imageName: 'My Image', dockerTarget: 'kiln/x:1' }), planOutputs(['oci']));
  });

  it('accepts tree formats without a disk image', () => {
    checkOutputRequest(req({}), planOutputs(['tar', 'oci', 'squash']));
  });
});
