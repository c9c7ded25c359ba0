/**
 * End to end: Kiln's elements that need a real distribution (packages, bash, GNU tools), in one
 * debian-minimal build to a tar: stable-interface-names, cloud-init-growpart, dynamic-login,
 * select-boot-kernel-initrd, dib-python, svc-map, ensure-venv, pip-and-virtualenv, fail2ban, puppet
 * and ansible. What each leaves is read back from the tar (and dpkg's status file in it); the same
 * build's qcow2 (the vm element) is booted to show what puppet's manifest and ansible's playbook
 * left working: a service of each runs at boot and reports on the console. Run under the Debian
 * build lock.
 * stable-interface-names is checked as far as Debian goes: Debian 12 no longer packages biosdevname.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { REPO, runCli } from '../helpers/cli.js';
import { makeElementTree, removeTree } from '../helpers/element-tree.js';
import { tarFile, tarListLong } from '../helpers/tar.js';

const isRoot = process.getuid?.() === 0;
const skip = !isRoot && process.env.CI !== 'true' ? 'needs root (or CI)' : false;

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
  const cfg = writeCfgFixtures(out);
  let built: { status: number; stdout: string; stderr: string } | undefined;
  const build = () => {
    built ??= runCli(
      'disk-image-create',
      [
        '-t',
        'tar,qcow2',
        '-o',
        join(out, 'img'),
        'uses-them',
        'stable-interface-names',
        'cloud-init',
        'cloud-init-growpart',
        'dynamic-login',
        'journal-to-console',
        'fail2ban',
        'puppet',
        'ansible',
        'vm',
      ],
      {
        env: {
          ELEMENTS_PATH: elements,
          TMP_DIR: out,
          DIB_RELEASE: 'bookworm',
          DIB_CLOUD_INIT_GROWPART_DEVICES: '/dev/vda1, /',
          DIB_FAIL2BAN_CONF: jail,
          DIB_GRUB_TIMEOUT: '0',
          ...cfg.env,
        },
        timeoutMs: 50 * 60_000,
      },
    );
    assert.equal(built.status, 0, built.stderr.slice(-4000));
  };
  const dpkgStatus = () => tarFile(tar, './var/lib/dpkg/status') ?? '';
  const installed = (pkg: string) => new RegExp(`^Package: ${pkg}\\nStatus: install ok installed$`, 'm').test(tarFile(tar, './var/lib/dpkg/status') ?? '');

  it("stable-interface-names: udev's naming rules are not turned off; Debian has no biosdevname to install", () => {
    build();
    assert.ok(!installed('biosdevname'));
    assert.ok(!tarListLong(tar).some((l) => l.includes('./etc/udev/rules.d/80-net-name-slot.rules')));
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
    const list = tarListLong(tar);
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
    assert.ok(!tarListLong(tar).some((l) => l.includes('./lib/diskimage-builder') || l.includes('./usr/lib/diskimage-builder')));
  });
  it('fail2ban: installed, enabled, with the jail.local given', () => {
    build();
    assert.ok(installed('fail2ban'));
    assert.equal(tarFile(tar, './etc/fail2ban/jail.local'), '[sshd]\nenabled = true\nmaxretry = 7\n');
    assert.ok(
      tarListLong(tar).some((l) => l.includes('./etc/systemd/system/multi-user.target.wants/fail2ban.service -> ')),
      'enabled',
    );
  });
  it('ensure-venv: python3 -m venv works', () => {
    build();
    assert.ok(installed('python3-venv'));
    assert.ok(
      tarListLong(tar).some((l) => / \.\/root\/venv\/bin\/python3 -> /.test(l)),
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
  it('puppet: the agent installed, its daemon disabled; the manifest applied with its module and hiera data (file, user, service enabled); no run state left', () => {
    build();
    assert.ok(installed('puppet-agent'));
    assert.equal(tarFile(tar, './etc/kiln-puppet'), 'from hiera\n');
    assert.match(tarFile(tar, './etc/passwd') ?? '', /^puppetuser:x:2101:\d+::\/home\/puppetuser:\/bin\/bash$/m);
    const list = tarListLong(tar);
    assert.ok(
      list.some((l) => l.includes('./etc/systemd/system/multi-user.target.wants/kiln-puppet-hello.service -> ')),
      'enabled by the manifest',
    );
    assert.ok(!list.some((l) => l.includes('multi-user.target.wants/puppet.service')), "the agent's daemon is not enabled");
    assert.ok(!list.some((l) => / \.\/var\/cache\/puppet\/(state|reports|clientbucket)\//.test(l)), 'no state of the build-time run');
    assert.ok(!list.some((l) => l.includes('./tmp/in_target.d')));
  });
  it('ansible: the playbook ran with the inventory and file variables (file, user, service enabled); ansible-core and what it pulled in are gone', () => {
    build();
    assert.equal(tarFile(tar, './etc/kiln-ansible'), 'hello-from-env and-vars-file\n');
    assert.match(tarFile(tar, './etc/passwd') ?? '', /^ansibleuser:x:2102:/m);
    assert.ok(
      tarListLong(tar).some((l) => l.includes('./etc/systemd/system/multi-user.target.wants/kiln-cfgmgmt-report.service -> ')),
      'enabled by the playbook',
    );
    assert.ok(!installed('ansible-core'), 'ansible-core removed');
    assert.ok(!/^Package: ansible-core$/m.test(dpkgStatus()), 'purged, not only removed');
    for (const dep of ['python3-resolvelib', 'python3-dnspython', 'python3-netaddr', 'ieee-data'])
      assert.ok(!installed(dep), `${dep}: only ansible-core needed it`);
    assert.ok(installed('python3-jinja2') && installed('python3-yaml'), 'what was there before stays (cloud-init needs them)');
    assert.ok(!tarListLong(tar).some((l) => / \.\/(root\/\.ansible|tmp\/kiln-ansible)/.test(l)), 'no ansible temporary files');
  });
  it("boots: puppet's service and ansible's service run and report the files and users on the console", () => {
    build();
    const r = spawnSync(
      process.execPath,
      [
        join(REPO, 'bin/kiln'),
        'boot-test',
        join(out, 'img.qcow2'),
        '--timeout',
        '900',
        '--expect',
        'kiln-cfgmgmt-report: puppet=from hiera hello=ran ansible=hello-from-env and-vars-file users=puppetuser,ansibleuser',
      ],
      { encoding: 'utf8', maxBuffer: 64 << 20 },
    );
    assert.equal(r.status, 0, (r.stdout + r.stderr).slice(-4000));
    assert.match(r.stdout, /boot-test: OK/);
  });
});

/** A puppet manifest with a module and hiera data, and an ansible playbook with variables, each
 * leaving files, a user and an enabled service; the ansible one reports both at boot. */
function writeCfgFixtures(out: string): { env: Record<string, string> } {
  const put = (path: string, text: string) => {
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, text);
  };
  const pp = join(out, 'puppet');
  put(join(pp, 'manifests', 'site.pp'), 'include kilnsite\n');
  put(
    join(pp, 'modules', 'kilnsite', 'manifests', 'init.pp'),
    `class kilnsite (String $motd) {
  file { '/etc/kiln-puppet': ensure => file, content => "\${motd}\\n", mode => '0644' }
  user { 'puppetuser': ensure => present, uid => 2101, shell => '/bin/bash', managehome => true }
  file { '/etc/systemd/system/kiln-puppet-hello.service':
    ensure  => file,
    content => "[Unit]\\nDescription=written by puppet\\n[Service]\\nType=oneshot\\nRemainAfterExit=yes\\nExecStart=/bin/sh -c 'echo ran > /run/kiln-puppet-hello'\\n[Install]\\nWantedBy=multi-user.target\\n",
  }
  service { 'kiln-puppet-hello': enable => true, require => File['/etc/systemd/system/kiln-puppet-hello.service'] }
}
`,
  );
  put(
    join(pp, 'hiera', 'hiera.yaml'),
    '---\nversion: 5\ndefaults:\n  datadir: data\n  data_hash: yaml_data\nhierarchy:\n  - name: common\n    path: common.yaml\n',
  );
  put(join(pp, 'hiera', 'data', 'common.yaml'), "kilnsite::motd: 'from hiera'\n");
  const ap = join(out, 'ansible');
  put(
    join(ap, 'site.yml'),
    `- hosts: all
  tasks:
    - name: a file from an inventory variable and a variables file
      ansible.builtin.template: { src: kiln-ansible.j2, dest: /etc/kiln-ansible, mode: '0644' }
    - name: a user
      ansible.builtin.user: { name: ansibleuser, uid: 2102, shell: /bin/bash }
    - name: a service reporting what puppet and ansible left
      ansible.builtin.copy:
        dest: /etc/systemd/system/kiln-cfgmgmt-report.service
        content: |
          [Unit]
          Description=written by ansible
          After=kiln-puppet-hello.service
          [Service]
          Type=oneshot
          StandardOutput=journal+console
          ExecStart=/bin/sh -c 'echo "kiln-cfgmgmt-report: puppet=$$(cat /etc/kiln-puppet) hello=$$(cat /run/kiln-puppet-hello) ansible=$$(cat /etc/kiln-ansible) users=$$(id -un 2101),$$(id -un 2102)"'
          [Install]
          WantedBy=multi-user.target
    - name: enabled
      ansible.builtin.systemd: { name: kiln-cfgmgmt-report.service, enabled: true }
`,
  );
  put(join(ap, 'templates', 'kiln-ansible.j2'), '{{ greeting }} {{ from_file }}\n');
  put(join(out, 'ansible-vars.yaml'), 'from_file: and-vars-file\n');
  return {
    env: {
      DIB_PUPPET_MANIFESTS: join(pp, 'manifests'),
      DIB_PUPPET_MODULES: join(pp, 'modules'),
      DIB_PUPPET_HIERA: join(pp, 'hiera'),
      DIB_ANSIBLE_PLAYBOOK: join(ap, 'site.yml'),
      DIB_ANSIBLE_VARS: join(out, 'ansible-vars.yaml'),
      DIB_ANSIBLE_VAR_greeting: 'hello-from-env',
    },
  };
}
