/** Config choice (DIB lib/common-functions block_device_create_config_file), legacy root params, image size from a measured tree, env options. */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { planOptionsFromSettings } from '../../../src/block-device/env-options.js';
import { flagValues, readSettings } from '../../../src/config/read-settings.js';
import { planImageSize } from '../../../src/block-device/image/size.js';
import { FALLBACK_CONFIG, selectBlockDeviceConfig } from '../../../src/block-device/select-config.js';
import { GiB, planText, REPO } from '../../helpers/block-device.js';

const tmp = mkdtempSync(join(tmpdir(), 'kiln-bdsel-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
const el = (name: string, files: Record<string, string>) => {
  const path = join(tmp, name);
  mkdirSync(path, { recursive: true });
  for (const [f, t] of Object.entries(files)) writeFileSync(join(path, f), t);
  return { name, path };
};

describe('selectBlockDeviceConfig', () => {
  const a = el('a', {});
  const b = el('b', { 'block-device-default.yaml': 'B-default', 'block-device-ppc64el.yaml': 'B-ppc' });
  const c = el('c', { 'block-device-amd64.yaml': 'C-amd64' });
  it('DIB_BLOCK_DEVICE_CONFIG inline wins', () => {
    const r = selectBlockDeviceConfig({ blockDeviceConfig: '- local_loop: {name: x}', elementDirs: [b], arch: 'amd64' });
    assert.equal(r.from, 'env-inline');
    assert.equal(r.file, 'DIB_BLOCK_DEVICE_CONFIG');
  });
  it('file:// reads the file', () => {
    const r = selectBlockDeviceConfig({ blockDeviceConfig: `file://${join(REPO, 'block-device/gpt.yaml')}`, elementDirs: [b], arch: 'amd64' });
    assert.equal(r.from, 'env-file');
    assert.match(r.text, /label: gpt/);
    assert.throws(() => selectBlockDeviceConfig({ blockDeviceConfig: 'file:///nonexistent.yaml', elementDirs: [], arch: 'amd64' }), /cannot read/);
  });
  it('first element with an arch file or default wins, in the given order', () => {
    assert.equal(selectBlockDeviceConfig({ elementDirs: [a, b, c], arch: 'amd64' }).text, 'B-default');
    assert.equal(selectBlockDeviceConfig({ elementDirs: [a, c, b], arch: 'amd64' }).text, 'C-amd64');
  });
  it('ppc64le and ppc64el both use block-device-ppc64el.yaml', () => {
    assert.equal(selectBlockDeviceConfig({ elementDirs: [b], arch: 'ppc64le' }).text, 'B-ppc');
    assert.equal(selectBlockDeviceConfig({ elementDirs: [b], arch: 'ppc64el' }).text, 'B-ppc');
  });
  it("fallback: bare filesystem, DIB's text", () => {
    const r = selectBlockDeviceConfig({ elementDirs: [a], arch: 'amd64' });
    assert.equal(r.from, 'fallback');
    assert.equal(r.text, FALLBACK_CONFIG);
    const p = planText(r.text, { imageSizeBytes: GiB, params: { rootFsType: 'xfs', rootLabel: null } });
    assert.deepEqual(
      p.filesystems.map((f) => [f.name, f.type, f.label, f.device.kind]),
      [['mkfs_root', 'xfs', 'img-rootfs', 'image']],
    );
    assert.deepEqual(p.partitionTables, []);
  });
});

describe('legacy root params (mkfs_root only, only where absent)', () => {
  const yaml = `- local_loop: {name: image0}
- mkfs: {name: mkfs_root, base: image0, mount: {mount_point: /}}
`;
  it('type, opts, label default to FS_TYPE, MKFS_OPTS, cloudimg-rootfs', () => {
    const f = planText(yaml, { imageSizeBytes: GiB, params: { rootFsType: 'ext4', rootFsOpts: '-i 4096  -J size=64', rootLabel: null } }).filesystems[0]!;
    assert.deepEqual([f.type, f.label, f.opts], ['ext4', 'cloudimg-rootfs', ['-i', '4096', '-J', 'size=64']]);
  });
  it('ROOT_LABEL wins over the default; config keys win over params', () => {
    assert.equal(planText(yaml, { imageSizeBytes: GiB, params: { rootFsType: 'ext4', rootLabel: 'myroot' } }).filesystems[0]!.label, 'myroot');
    const given = yaml.replace('mount:', 'type: btrfs, label: keep, mount:');
    const f = planText(given, { imageSizeBytes: GiB, params: { rootFsType: 'ext4', rootLabel: 'x' } }).filesystems[0]!;
    assert.deepEqual([f.type, f.label], ['btrfs', 'keep']);
  });
  it('another mkfs name gets nothing (label = its name)', () => {
    const f = planText(yaml.replace('mkfs_root', 'rootfs').replace('mount:', 'type: ext4, mount:'), {
      imageSizeBytes: GiB,
      params: { rootFsType: 'xfs', rootLabel: 'x' },
    }).filesystems[0]!;
    assert.deepEqual([f.type, f.label], ['ext4', 'rootfs']);
  });
});

describe('image size', () => {
  it('du/0.6 + 64 MiB journal (ext4 root) + 525 MiB (ESP), rounded up to 64 KiB', () => {
    assert.deepEqual(planImageSize({ treeKiB: 1000, ext4Root: true, hasEsp: true }), {
      treeKiB: 1000,
      scaledKiB: 1666,
      journalKiB: 65536,
      espKiB: 537600,
      totalKiB: 604864,
    });
    assert.equal(planImageSize({ treeKiB: 1000, extraMiB: 10, ext4Root: false, hasEsp: false }).totalKiB, 11264);
    assert.equal(planImageSize({ treeKiB: 1, ext4Root: false, hasEsp: false }).totalKiB, 64);
  });
  it('the planner uses it when no size is given, and reports it', () => {
    const p = planText('- local_loop: {name: image0}\n- mkfs: {name: mkfs_root, base: image0, mount: {mount_point: /}}\n', {
      params: { rootFsType: 'ext4' },
      tree: { usedKiB: 300_000 },
      extraSizeMiB: 100,
    });
    assert.equal(p.image.sizeFrom, 'measured');
    assert.equal(p.image.sizeBytes, 467_968 * 1024); // 467_936 KiB rounded up to 64 KiB
    assert.equal(p.image.sizeReport?.extraMiB, 100);
  });
  it('no size anywhere is an error naming the local_loop', () => {
    assert.throws(() => planText('- local_loop: {name: image0}\n'), /local_loop image0: no image size/);
  });
});

const planOptionsFromEnv = (env: Record<string, string>, how: { asDiskImageCreate?: boolean } = {}, size?: string) =>
  planOptionsFromSettings(readSettings(env, flagValues({ imageSize: size }), 'block-device'), how);

describe('planOptionsFromSettings (kiln plan block-device: DIB variables, --image-size)', () => {
  it('maps DIB variables', () => {
    const o = planOptionsFromEnv({ FS_TYPE: 'xfs', DIB_BLOCK_SIZE: '4096', DIB_IMAGE_EXTRA_SIZE: '50', DIB_IMAGE_SIZE: '3', DIB_FSTAB_BY: 'uuid' });
    assert.deepEqual(o, {
      params: { rootFsType: 'xfs', rootLabel: null },
      journalMiB: 64,
      blockSize: 4096,
      extraSizeMiB: 50,
      imageSizeBytes: 3 * GiB,
      fstabBy: 'uuid',
    });
    assert.equal(planOptionsFromEnv({ DIB_ROOT_FSTYPE: 'btrfs', FS_TYPE: 'xfs', ROOT_LABEL: 'r' }).params?.rootFsType, 'btrfs', 'DIB_ROOT_FSTYPE wins');
    assert.equal(planOptionsFromEnv({ DIB_ROOT_LABEL: 'a', ROOT_LABEL: 'b' }).params?.rootLabel, 'a');
    assert.throws(
      () => planOptionsFromEnv({ DIB_FSTAB_BY: 'path' }),
      (e: Error & { where?: string }) => /'path' is not label or uuid/.test(e.message) && e.where === 'DIB_FSTAB_BY',
    );
  });
  it('as disk-image-create: ext4 root gets -i 4096 -J size=<journal> before MKFS_OPTS', () => {
    assert.equal(planOptionsFromEnv({ MKFS_OPTS: '-O ^has_journal' }, { asDiskImageCreate: true }).params?.rootFsOpts, '-i 4096 -J size=64 -O ^has_journal');
    assert.equal(
      planOptionsFromEnv({ DIB_JOURNAL_SIZE: '32', MAX_ONLINE_RESIZE: '1000000' }, { asDiskImageCreate: true }).params?.rootFsOpts,
      '-E resize=1000000 -i 4096 -J size=32',
    );
    assert.equal(planOptionsFromEnv({ FS_TYPE: 'xfs' }, { asDiskImageCreate: true }).params?.rootFsOpts, undefined);
    assert.equal(planOptionsFromEnv({ MKFS_OPTS: '-m 1' }).params?.rootFsOpts, '-m 1');
  });
  it('--image-size: bare number is GiB, else a DIB size; the flag wins over DIB_IMAGE_SIZE', () => {
    assert.equal(planOptionsFromEnv({}, {}, '2').imageSizeBytes, 2 * GiB);
    assert.equal(planOptionsFromEnv({ DIB_IMAGE_SIZE: '1.5' }).imageSizeBytes, 1.5 * GiB);
    assert.equal(planOptionsFromEnv({ DIB_IMAGE_SIZE: '3GiB' }, {}, '300MiB').imageSizeBytes, 300 * 1024 * 1024);
    assert.throws(
      () => planOptionsFromEnv({}, {}, 'big'),
      (e: Error & { where?: string }) => e.where === '--image-size',
    );
  });
});
