/** `kiln plan` shows the distro driver and its package set; a DIB distro element Kiln lacks is refused by name (exit 1). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from '../../../helpers/cli.js';

test('kiln plan ubuntu-minimal: the ubuntu driver, mmdebstrap, noble, linux-image-virtual', () => {
  const r = runCli('kiln', ['plan', '-o', '/nonexistent/x', 'ubuntu-minimal'], { env: { DIB_DISTRIBUTION_MIRROR: 'http://m.invalid/ubuntu' } });
  assert.equal(r.status, 0, r.stderr);
  const b = JSON.parse(r.stdout).bootstrap;
  assert.equal(b.driver, 'ubuntu');
  assert.equal(b.element, 'ubuntu-minimal');
  assert.equal(b.plan.tool, 'mmdebstrap');
  assert.equal(b.plan.release, 'noble');
  assert.deepEqual(b.plan.components, ['main', 'universe']);
  assert.ok(b.plan.packages.includes('linux-image-virtual'));
  assert.ok(b.plan.packages.includes('systemd-sysv'));
});

test('kiln plan ubuntu-minimal without a mirror says so in the plan', () => {
  const r = runCli('kiln', ['plan', '-o', '/nonexistent/x', 'ubuntu-minimal'], { env: { DIB_DISTRIBUTION_MIRROR: '' } });
  assert.equal(r.status, 0, r.stderr);
  assert.match(JSON.parse(r.stdout).bootstrap.plan.error, /DIB_DISTRIBUTION_MIRROR is not set/);
});

test('kiln plan gentoo / centos7 vm: refused by name with the supported list, exit 1', () => {
  for (const args of [['gentoo'], ['centos7', 'vm'], ['ubuntu-systemd-container', 'vm']]) {
    const r = runCli('kiln', ['plan', '-o', '/nonexistent/x', ...args]);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, new RegExp(`${args[0]}: DIB's distro element is not supported by Kiln`));
    assert.match(r.stderr, /supported operating-system elements: .*ubuntu-minimal/);
    assert.doesNotMatch(r.stderr, /not found/);
  }
});
