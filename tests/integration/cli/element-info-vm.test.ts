/**
 * element-info with `vm` and no block-device element: DIB's element-info fails there, disk-image-create
 * adds block-device-mbr (block-device-efi on arm64). Kiln's element-info resolves as the build does and
 * says so on stderr; with a block-device element given, the output is DIB's, with no note.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from '../../helpers/cli.js';

const OS = ['debian-minimal', 'ubuntu-minimal', 'centos-minimal', 'fedora-minimal', 'rocky-container', 'opensuse-minimal'];

test("element-info OS vm resolves to Kiln's elements with the build's default block-device element, and says so", () => {
  for (const os of OS) {
    const r = runCli('element-info', [os, 'vm'], { env: { ELEMENTS_PATH: '' } });
    assert.equal(r.status, 0, `${os}: ${r.stderr}`);
    const names = r.stdout.trim().split(/\s+/);
    for (const n of [os, 'vm', 'bootloader', 'block-device-mbr']) assert.ok(names.includes(n), `${os}: ${n} in ${names.join(' ')}`);
    assert.match(r.stderr, /vm needs a block-device element; resolving with block-device-mbr, as disk-image-create adds it/);
  }
});

test('element-info with ARCH=arm64 takes block-device-efi; with a block-device element given there is no note', () => {
  const arm = runCli('element-info', ['debian-minimal', 'vm'], { env: { ELEMENTS_PATH: '', ARCH: 'arm64' } });
  assert.equal(arm.status, 0, arm.stderr);
  assert.ok(arm.stdout.trim().split(/\s+/).includes('block-device-efi'), arm.stdout);
  const given = runCli('element-info', ['debian-minimal', 'vm', 'block-device-gpt'], { env: { ELEMENTS_PATH: '' } });
  assert.equal(given.status, 0, given.stderr);
  assert.equal(given.stderr, '');
  assert.ok(!given.stdout.trim().split(/\s+/).includes('block-device-mbr'), given.stdout);
});

test('element-info still fails for a missing element that is not the vm default', () => {
  const r = runCli('element-info', ['debian-minimla', 'vm'], { env: { ELEMENTS_PATH: '' } });
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /debian-minimla/);
});
