// Kiln's versions of DIB's shell libraries ($_LIB/die, common-functions, img-functions), run by bash.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { DIB_LIB } from '../../../src/build/hook-env.js';

const bash = (script: string, env: Record<string, string> = {}) =>
  spawnSync('bash', ['-c', script], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', _LIB: DIB_LIB, ...env }, encoding: 'utf8' });

describe('$_LIB/die', () => {
  it('prints its message and exits with the status of the command before it', () => {
    const r = bash('source "$_LIB/die"; (exit 3) || die "it broke:" here; echo after');
    assert.equal(r.status, 3);
    assert.equal(r.stdout, 'it broke: here\n');
  });
  it('exits 1, not 0, when called after a command that succeeded (inside if ...; then)', () => {
    const r = bash('source "$_LIB/die"; if true; then die "must fail"; fi; echo after');
    assert.equal(r.status, 1);
    assert.equal(r.stdout, 'must fail\n');
  });
  it('is exported to child shells, as DIB exports it', () => {
    assert.equal(bash('source "$_LIB/die"; bash -c \'false || die child\'').status, 1);
  });
});

describe('$_LIB/common-functions', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'kiln-dib-lib-'));
  after(() => rmSync(tmp, { recursive: true, force: true }));
  it('tmpfs_check says no (Kiln builds in TMP_DIR)', () => {
    assert.equal(bash('source "$_LIB/common-functions"; tmpfs_check 1').status, 1);
  });
  it('finish_image moves OUT_IMAGE_PATH into place and keeps an older image under a dated name', () => {
    writeFileSync(join(tmp, 'img.qcow2'), 'old');
    writeFileSync(join(tmp, 'img.qcow2.md5'), 'oldsum');
    writeFileSync(join(tmp, 'new'), 'new');
    const r = bash('source "$_LIB/common-functions"; finish_image "$D/img.qcow2"', { D: tmp, OUT_IMAGE_PATH: join(tmp, 'new') });
    assert.equal(r.status, 0, r.stderr);
    const files = readdirSync(tmp).sort();
    assert.equal(files.length, 3, files.join(' '));
    assert.ok(files.includes('img.qcow2'));
    assert.ok(
      files.some((f) => /^img-\d{4}\.\d\d\.\d\d-\d\d\.\d\d\.\d\d\.qcow2$/.test(f)),
      files.join(' '),
    );
    assert.ok(
      files.some((f) => /^img-.*\.qcow2\.md5$/.test(f)),
      files.join(' '),
    );
  });
  it('unmount_dir reports a missing directory and does nothing under a directory with no mounts', () => {
    assert.equal(bash('source "$_LIB/common-functions"; unmount_dir /nonexistent-kiln').stdout, '*** /nonexistent-kiln is not a directory\n');
    const r = bash('source "$_LIB/common-functions"; unmount_dir "$D"', { D: tmp });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, '');
  });
});

describe('$_LIB/img-functions select_boot_kernel_initrd', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'kiln-dib-lib-boot-'));
  after(() => rmSync(tmp, { recursive: true, force: true }));
  const tree = (name: string, etc: string, boot: string[]) => {
    const root = join(tmp, name);
    mkdirSync(join(root, 'boot'), { recursive: true });
    mkdirSync(join(root, 'etc'), { recursive: true });
    writeFileSync(join(root, 'etc', etc), '');
    for (const f of boot) writeFileSync(join(root, 'boot', f), '');
    return root;
  };
  const select = (root: string, env: Record<string, string> = {}) =>
    bash('source "$_LIB/img-functions"; select_boot_kernel_initrd "$R"; echo "$KERNEL $RAMDISK"', { R: root, ...env });

  it('picks the newest Debian kernel and initramfs by version', () => {
    const root = tree('deb', 'debian_version', [
      'vmlinuz-6.1.0-9-amd64',
      'vmlinuz-6.1.0-10-amd64',
      'initrd.img-6.1.0-9-amd64',
      'initrd.img-6.1.0-10-amd64',
      'config-6.1.0-10-amd64',
    ]);
    assert.equal(select(root).stdout, 'vmlinuz-6.1.0-10-amd64 initrd.img-6.1.0-10-amd64\n');
  });
  it('picks the Red Hat kernel and its initramfs, not the debug kernel', () => {
    const root = tree('rh', 'redhat-release', ['vmlinuz-5.14.0-70.el9', 'vmlinuz-5.14.0-70.el9+debug', 'initramfs-5.14.0-70.el9.img']);
    assert.equal(select(root).stdout, 'vmlinuz-5.14.0-70.el9 initramfs-5.14.0-70.el9.img\n');
  });
  it('DIB_BAREMETAL_KERNEL_PATTERN and _INITRD_PATTERN win', () => {
    const root = tree('pat', 'debian_version', ['vmlinuz-a', 'vmlinuz-b', 'my-kernel', 'my-initrd']);
    assert.equal(select(root, { DIB_BAREMETAL_KERNEL_PATTERN: 'my-k*', DIB_BAREMETAL_INITRD_PATTERN: 'my-i*' }).stdout, 'my-kernel my-initrd\n');
  });
  it('fails on an unknown operating system', () => {
    const root = tree('none', 'os-release', []);
    const r = select(root);
    assert.equal(r.status, 1);
    assert.match(r.stdout, /Unable to detect operating system/);
  });
});
