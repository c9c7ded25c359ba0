// Two whole busybox-minimal builds with the same SOURCE_DATE_EPOCH, seconds apart and into separate
// directories (the second from the layer the first stored: other atimes and ctimes), give the same bytes for every
// tree output (tar, tgz, docker, oci, squash) and every disk output (raw, qcow2, vhd, vhdx, vmdk)
// of a layout with an ESP (vfat) and an ext4 root.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { REPO, runCli } from '../../helpers/cli.js';
import { validate } from '../../helpers/json-schema.js';

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

// Without SOURCE_DATE_EPOCH: the default epoch comes from the inputs (the element files' newest mtime),
// so two builds give the same bytes, here with a btrfs root (its inode numbers come from the tree);
// NAME.d/pin.json records the epoch, and --pin rebuilds with it after an input's time changed.
describe('reproducible by default', () => {
  const elements = join(work, 'elements');
  mkdirSync(join(elements, 'bb-extra/root.d'), { recursive: true });
  writeFileSync(join(elements, 'bb-extra/element-deps'), 'busybox-minimal\n');
  writeFileSync(join(elements, 'bb-extra/root.d/50-hello'), '#!/bin/sh\nset -eu\necho hello > "$TARGET_ROOT/etc/hello"\n', { mode: 0o755 });
  const layout = join(work, 'btrfs.yaml');
  writeFileSync(
    layout,
    `- local_loop:\n    name: image0\n- partitioning:\n    base: image0\n    label: gpt\n    partitions:\n      - name: root\n        type: '8300'\n        size: 100%\n        mkfs:\n          type: btrfs\n          mount:\n            mount_point: /\n`,
  );
  const env = {
    ELEMENTS_PATH: elements,
    DIB_IMAGE_CACHE: join(work, 'cache'),
    FS_TYPE: 'btrfs',
    DIB_IMAGE_SIZE: '0.3',
    DIB_BLOCK_DEVICE_CONFIG: `file://${layout}`,
  };
  const buildDefault = (name: string, extra: string[] = []) => {
    const r = runCli('disk-image-create', ['-n', 'bb-extra', '-t', 'raw,tar', ...extra, '-o', join(work, name, 'bb')], { env });
    assert.equal(r.status, 0, r.stderr);
    return r;
  };
  const pinOf = (name: string) => JSON.parse(readFileSync(join(work, name, 'bb.d/pin.json'), 'utf8'));

  it('two builds without SOURCE_DATE_EPOCH, seconds apart: the same sha256 for raw (btrfs root) and tar; the epoch is reported', async () => {
    const logs: string[] = [];
    for (const name of ['def-a', 'def-b']) {
      logs.push(buildDefault(name).stderr);
      await new Promise((res) => setTimeout(res, 1100));
    }
    for (const f of ['bb.raw', 'bb.tar']) assert.equal(sha(join(work, 'def-a', f)), sha(join(work, 'def-b', f)), f);
    const newest = Math.max(
      ...[join(elements, 'bb-extra/root.d/50-hello'), join(REPO, 'elements/busybox-minimal/root.d/08-busybox')].map((f) =>
        Math.floor(statSync(f).mtimeMs / 1000),
      ),
    );
    const pin = pinOf('def-a');
    assert.deepEqual(validate(JSON.parse(readFileSync(join(REPO, 'schemas/pin.json'), 'utf8')), pin), []);
    assert.equal(pin.epoch.source, 'inputs');
    // the tools with the host packages that own them, as dpkg says
    const tar = pin.tools.find((t: { tool: string }) => t.tool === 'tar');
    assert.ok(tar?.path.startsWith('/'), 'tar is recorded with its path');
    // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's format string
    if (tar?.version) assert.equal(tar.version, execFileSync('dpkg-query', ['-W', '-f', '${Version}', tar.package], { encoding: 'utf8' }));
    assert.ok(
      pin.epoch.epoch >= newest && pin.epoch.epoch <= Date.now() / 1000,
      `the epoch ${pin.epoch.epoch} is the newest element file's time (>= ${newest})`,
    );
    assert.match(logs[0]!, new RegExp(`epoch ${pin.epoch.epoch} \\(.*the newest of: element files`));
    assert.deepEqual([...pin.elements].sort(), ['bb-extra', 'busybox-minimal']);
    assert.equal(pinOf('def-b').epoch.epoch, pin.epoch.epoch);
    // the tar's file times are the epoch (clamped), independently read
    const tv = execFileSync('tar', ['--full-time', '-tvf', join(work, 'def-a', 'bb.tar'), './etc/hello'], { encoding: 'utf8' });
    assert.match(tv, new RegExp(new Date(pin.epoch.epoch * 1000).toISOString().slice(0, 10)));
  });

  it('an element file touched later moves the epoch; --pin with the first record gives the first bytes again', () => {
    const later = new Date(Date.now() + 5000);
    utimesSync(join(elements, 'bb-extra/root.d/50-hello'), later, later);
    buildDefault('def-c');
    assert.notEqual(pinOf('def-c').epoch.epoch, pinOf('def-a').epoch.epoch);
    assert.notEqual(sha(join(work, 'def-c', 'bb.tar')), sha(join(work, 'def-a', 'bb.tar')));
    const r = buildDefault('def-pin', ['--pin', join(work, 'def-a', 'bb.d/pin.json')]);
    assert.match(r.stderr, /from the --pin record/);
    for (const f of ['bb.raw', 'bb.tar']) assert.equal(sha(join(work, 'def-pin', f)), sha(join(work, 'def-a', f)), f);
    assert.equal(pinOf('def-pin').epoch.source, 'pin');
  });

  it('--pin fails naming each package the tree does not have at its recorded version', () => {
    mkdirSync(join(elements, 'bb-dpkg/root.d'), { recursive: true });
    writeFileSync(join(elements, 'bb-dpkg/element-deps'), 'busybox-minimal\n');
    const status = (v: string) =>
      `Package: foo\nStatus: install ok installed\nVersion: ${v}\nArchitecture: amd64\n\nPackage: bar\nStatus: install ok installed\nVersion: 2.0\nArchitecture: all\n\nPackage: gone\nStatus: deinstall ok config-files\nVersion: 0.1\nArchitecture: all\n`;
    writeFileSync(
      join(elements, 'bb-dpkg/root.d/50-status'),
      `#!/bin/sh\nset -eu\nmkdir -p "$TARGET_ROOT/var/lib/dpkg"\nprintf '%s' '${status('1.0')}' > "$TARGET_ROOT/var/lib/dpkg/status"\n`,
      { mode: 0o755 },
    );
    const ok = runCli('disk-image-create', ['-n', 'bb-dpkg', '-t', 'tar', '-o', join(work, 'dpkg-a', 'bb')], { env: { ...env } });
    assert.equal(ok.status, 0, ok.stderr);
    const rec = JSON.parse(readFileSync(join(work, 'dpkg-a', 'bb.d/pin.json'), 'utf8'));
    assert.deepEqual(validate(JSON.parse(readFileSync(join(REPO, 'schemas/pin.json'), 'utf8')), rec), []);
    assert.equal(rec.packageManager, 'dpkg');
    assert.deepEqual(rec.packages, [
      { name: 'bar', version: '2.0', arch: 'all' },
      { name: 'foo', version: '1.0', arch: 'amd64' },
    ]);
    // the record asks for foo 1.5 and baz, which this tree cannot have
    rec.packages = [
      { name: 'bar', version: '2.0', arch: 'all' },
      { name: 'baz', version: '3.0', arch: 'all' },
      { name: 'foo', version: '1.5', arch: 'amd64' },
    ];
    writeFileSync(join(work, 'edited-pin.json'), JSON.stringify(rec));
    const r = runCli('disk-image-create', ['-n', 'bb-dpkg', '-t', 'tar', '--pin', join(work, 'edited-pin.json'), '-o', join(work, 'dpkg-b', 'bb')], { env });
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /--pin: 2 package\(s\) are not as recorded:\n {2}baz 3\.0 \(all\): not installed\n {2}foo 1\.5 \(amd64\): installed 1\.0 instead/);
    assert.match(r.stderr, /hint: .*--pin-mirror/);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    const bad = runCli('disk-image-create', ['-n', 'bb-dpkg', '-t', 'tar', '--pin', join(work, 'nope.json'), '-o', join(work, 'dpkg-c', 'bb')], { env });
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /--pin .*nope\.json: cannot read it/);
  });
});
