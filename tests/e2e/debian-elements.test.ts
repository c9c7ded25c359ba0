/**
 * End to end: Kiln's elements that need a real distribution (packages, bash, GNU tools), in one
 * debian-minimal build to a tar: stable-interface-names, cloud-init-growpart, dynamic-login,
 * select-boot-kernel-initrd, dib-python, svc-map, ensure-venv, pip-and-virtualenv and fail2ban. What each leaves is read back from the tar
 * (and dpkg's status file in it). Run under the Debian build lock.
 * stable-interface-names is checked as far as Debian goes: Debian 12 no longer packages biosdevname.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { runCli } from '../helpers/cli.js';
import { makeElementTree, removeTree } from '../helpers/element-tree.js';

const isRoot = process.getuid?.() === 0;
const skip = !isRoot && process.env.CI !== 'true' ? 'needs root (or CI)' : false;

function tarFile(tar: string, path: string): string | undefined {
  const r = spawnSync('tar', ['-xOf', tar, path], { encoding: 'utf8', maxBuffer: 64 << 20 });
  return r.status === 0 ? r.stdout : undefined;
}
function tarList(tar: string): string[] {
  return spawnSync('tar', ['-tvf', tar], { encoding: 'utf8', maxBuffer: 256 << 20 }).stdout.split('\n');
}

describe('Kiln elements in a Debian build', { skip, timeout: 60 * 60_000 }, () => {
  const out = mkdtempSync(join(tmpdir(), 'kiln-e2e-debian-elements-'));
  after(() => rmSync(out, { recursive: true, force: true }));
  const elements = makeElementTree({
    'uses-them': {
      deps: ['debian-minimal', 'select-boot-kernel-initrd', 'dib-python', 'svc-map', 'ensure-venv', 'pip-and-virtualenv'],
      files: {
        'svc-map': 'ssh-server:\n  default: sshd\n  debian: ssh\n',
        // the initramfs exists from debian-minimal's finalise.d/60-debian-initramfs on
        'finalise.d/90-select': '#!/bin/bash\nset -eu\nselect-boot-kernel-initrd > /root/selected\n',
        'install.d/90-use':
          '#!/bin/bash\nset -eu\nsvc-map ssh-server > /root/svc\ndib-python -c "print(1 + 1)" > /root/dib-python\npython3 -m venv /root/venv\necho "$DIB_PYTHON_PIP|$DIB_PYTHON_VIRTUALENV" > /root/pip-vars\n$DIB_PYTHON_PIP --version > /root/pip-version\n',
      },
    },
  });
  after(() => removeTree(elements));
  const tar = join(out, 'img.tar');
  const jail = join(out, 'jail.local');
  writeFileSync(jail, '[sshd]\nenabled = true\nmaxretry = 7\n');
  let built: { status: number; stdout: string; stderr: string } | undefined;
  const build = () => {
    built ??= runCli(
      'disk-image-create',
      [
        '-t',
        'tar',
        '-o',
        join(out, 'img'),
        'uses-them',
        'stable-interface-names',
        'cloud-init',
        'cloud-init-growpart',
        'dynamic-login',
        'journal-to-console',
        'fail2ban',
      ],
      {
        env: { ELEMENTS_PATH: elements, TMP_DIR: out, DIB_RELEASE: 'bookworm', DIB_CLOUD_INIT_GROWPART_DEVICES: '/dev/vda1, /', DIB_FAIL2BAN_CONF: jail },
        timeoutMs: 50 * 60_000,
      },
    );
    assert.equal(built.status, 0, built.stderr.slice(-4000));
  };
  const installed = (pkg: string) => new RegExp(`^Package: ${pkg}\\nStatus: install ok installed$`, 'm').test(tarFile(tar, './var/lib/dpkg/status') ?? '');

  it("stable-interface-names: udev's naming rules are not turned off; Debian has no biosdevname to install", () => {
    build();
    assert.ok(!installed('biosdevname'));
    assert.ok(!tarList(tar).some((l) => l.includes('./etc/udev/rules.d/80-net-name-slot.rules')));
    assert.doesNotMatch(`${built?.stdout}${built?.stderr}`, /Running: install-packages .*\bbiosdevname\b/, 'mapped to nothing on debian');
  });
  it('cloud-init-growpart: growpart installed, the devices as a YAML list in cloud.cfg.d', () => {
    build();
    assert.ok(installed('cloud-guest-utils'));
    assert.equal(
      tarFile(tar, './etc/cloud/cloud.cfg.d/55-growpart.cfg'),
      '#cloud-config\ngrowpart:\n    mode: auto\n    devices: ["/dev/vda1", "/"]\n    ignore_growroot_disabled: false\n',
    );
  });
  it('dynamic-login: the helper and its service, enabled', () => {
    build();
    const list = tarList(tar);
    assert.ok(list.some((l) => / \.\/usr\/local\/bin\/dynamic-login$/.test(l) && l.startsWith('-rwx')));
    assert.ok(
      list.some((l) => l.includes('./etc/systemd/system/multi-user.target.wants/dynamic-login.service -> ')),
      'enabled',
    );
    assert.ok(installed('openssh-server'));
  });
  it('select-boot-kernel-initrd names the kernel and initramfs; its library is gone from the image', () => {
    build();
    const [kernel, ramdisk] = (tarFile(tar, './root/selected') ?? '').trim().split(':');
    assert.match(kernel ?? '', /^vmlinuz-\d/);
    assert.equal(ramdisk, `initrd.img-${kernel?.slice('vmlinuz-'.length)}`);
    assert.ok(tarFile(tar, `./boot/${kernel}`) !== undefined, 'the kernel it names is there');
    assert.ok(!tarList(tar).some((l) => l.includes('./lib/diskimage-builder') || l.includes('./usr/lib/diskimage-builder')));
  });
  it('fail2ban: installed, enabled, with the jail.local given', () => {
    build();
    assert.ok(installed('fail2ban'));
    assert.equal(tarFile(tar, './etc/fail2ban/jail.local'), '[sshd]\nenabled = true\nmaxretry = 7\n');
    assert.ok(
      tarList(tar).some((l) => l.includes('./etc/systemd/system/multi-user.target.wants/fail2ban.service -> ')),
      'enabled',
    );
  });
  it('ensure-venv: python3 -m venv works', () => {
    build();
    assert.ok(installed('python3-venv'));
    assert.ok(
      tarList(tar).some((l) => / \.\/root\/venv\/bin\/python3 -> /.test(l)),
      'the venv was made',
    );
  });
  it('pip-and-virtualenv: the packages, and DIB_PYTHON_PIP / DIB_PYTHON_VIRTUALENV through the real interpreter', () => {
    build();
    assert.ok(installed('python3-pip') && installed('python3-virtualenv'));
    assert.match(tarFile(tar, './root/pip-vars') ?? '', /^\/usr\/bin\/python3 -m pip\|\/usr\/bin\/python3 -m venv\n$/);
    assert.match(tarFile(tar, './root/pip-version') ?? '', /^pip \d/);
  });
  it("dib-python runs the tree's python3 during the build; svc-map maps for debian", () => {
    build();
    assert.equal(tarFile(tar, './root/dib-python'), '2\n');
    assert.equal(tarFile(tar, './root/svc'), 'ssh\n');
    assert.equal(tarFile(tar, './usr/local/bin/dib-python'), undefined);
  });
});
