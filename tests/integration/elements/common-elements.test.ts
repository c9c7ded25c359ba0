// Kiln's sysctl, modprobe, modprobe-blacklist, disable-nouveau and cloud-init-disable-resizefs,
// each in an offline busybox build to a tar: what each leaves in the tree is read back from the tar.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { FIXTURE_ELEMENTS, REPO, runCli } from '../../helpers/cli.js';
import { makeElementTree, removeTree } from '../../helpers/element-tree.js';
import { tarFile } from '../../helpers/tar.js';

const CLOUD_CFG = 'cloud_init_modules:\n - migrator\n - growpart\n - resizefs\n - [resizefs, always]\n - set_hostname\n';
const SH = '#!/bin/sh\nset -eu\n';

describe('common DIB elements (Kiln implementations) in busybox builds', () => {
  const out = mkdtempSync(join(tmpdir(), 'kiln-common-elements-'));
  chmodSync(out, 0o777);
  after(() => rmSync(out, { recursive: true, force: true }));
  const elements = makeElementTree({
    'uses-sysctl': {
      deps: ['busybox-minimal', 'sysctl'],
      files: {
        'install.d/50-set': `${SH}sysctl-set-value net.ipv4.ip_forward 1\nsysctl-set-value vm.swappiness 10 "for the test"\nsysctl-set-value vm.swappiness 10\nsysctl-write-value kiln.not.a.key 3\n`,
      },
    },
    'sysctl-conflict': {
      deps: ['busybox-minimal', 'sysctl'],
      files: { 'install.d/50-set': `${SH}sysctl-set-value vm.swappiness 10\nsysctl-set-value vm.swappiness 20\n` },
    },
    'sysctl-bad-key': { deps: ['busybox-minimal', 'sysctl'], files: { 'install.d/50-set': `${SH}sysctl-set-value kiln.no.such.key 1\n` } },
    'uses-modprobe': {
      deps: ['busybox-minimal', 'modprobe'],
      files: { 'modprobe.d/my-nic.conf': 'options igb max_vfs=7\n', 'modprobe.d/README': 'not a .conf\n' },
    },
    'with-cloud-cfg': {
      deps: ['busybox-minimal'],
      files: { 'install.d/50-cloud-cfg': `${SH}mkdir -p /etc/cloud\nprintf '${CLOUD_CFG.replace(/\n/g, '\\n')}' > /etc/cloud/cloud.cfg\n` },
    },
    'has-dracut': { deps: ['busybox-minimal'], files: { 'install.d/50-dracut': `${SH}mkdir -p /etc/dracut.conf.d\n` } },
  });
  after(() => removeTree(elements));
  const env = { ELEMENTS_PATH: `${elements}:${FIXTURE_ELEMENTS}`, TMP_DIR: out };
  const build = (name: string, els: string[], extraEnv: Record<string, string> = {}) => {
    const r = runCli('disk-image-create', ['-t', 'tar', '-o', join(out, name), ...els], { env: { ...env, ...extraEnv } });
    return { ...r, tar: join(out, `${name}.tar`) };
  };

  it('sysctl: sysctl-set-value writes /etc/sysctl.d/NAME.conf, and never touches the host kernel', () => {
    const before = spawnSync('cat', ['/proc/sys/vm/swappiness'], { encoding: 'utf8' }).stdout;
    const r = build('sysctl', ['uses-sysctl']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(tarFile(r.tar, './etc/sysctl.d/net.ipv4.ip_forward.conf'), '# This file was created by diskimage-builder.\nnet.ipv4.ip_forward = 1\n');
    assert.equal(tarFile(r.tar, './etc/sysctl.d/vm.swappiness.conf'), '# for the test\nvm.swappiness = 10\n');
    assert.equal(tarFile(r.tar, './etc/sysctl.d/kiln.not.a.key.conf'), '# This file was created by diskimage-builder.\nkiln.not.a.key = 3\n');
    assert.ok(tarFile(r.tar, './usr/local/bin/sysctl-set-value')?.startsWith('#!/bin/sh'), 'the helper is in the image');
    assert.equal(spawnSync('cat', ['/proc/sys/vm/swappiness'], { encoding: 'utf8' }).stdout, before, "the host's value is unchanged");
  });
  it('sysctl: a conflicting value and an unknown key fail the build with the reason', () => {
    const c = build('sysctl-conflict', ['sysctl-conflict']);
    assert.equal(c.status, 1, c.stderr);
    assert.match(c.stderr, /Conflicting sysctl\.conf setting for vm\.swappiness == 20/);
    const k = build('sysctl-bad-key', ['sysctl-bad-key']);
    assert.equal(k.status, 1, k.stderr);
    assert.match(k.stderr, /Invalid sysctl key: kiln\.no\.such\.key/);
  });

  it("modprobe: the elements' modprobe.d/*.conf in /etc/modprobe.d, DIB_MODPROBE_BLACKLIST in blacklist.conf", () => {
    const r = build('modprobe', ['uses-modprobe'], { DIB_MODPROBE_BLACKLIST: 'igb  e1000e igb' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(tarFile(r.tar, './etc/modprobe.d/my-nic.conf'), 'options igb max_vfs=7\n');
    assert.equal(tarFile(r.tar, './etc/modprobe.d/README'), undefined, 'only .conf files');
    assert.equal(tarFile(r.tar, './etc/modprobe.d/blacklist.conf'), 'blacklist igb\nblacklist e1000e\n');
    const none = build('modprobe-none', ['uses-modprobe']);
    assert.equal(none.status, 0, none.stderr);
    assert.equal(tarFile(none.tar, './etc/modprobe.d/blacklist.conf'), undefined, 'no blacklist without DIB_MODPROBE_BLACKLIST');
  });

  it('modprobe-blacklist: requires DIB_MODPROBE_BLACKLIST, and blacklists once with modprobe beside it', () => {
    const missing = build('mbl-missing', ['busybox-minimal', 'modprobe-blacklist']);
    assert.equal(missing.status, 1, missing.stderr);
    assert.match(missing.stderr, /Please set DIB_MODPROBE_BLACKLIST/);
    const r = build('mbl', ['busybox-minimal', 'modprobe-blacklist', 'modprobe'], { DIB_MODPROBE_BLACKLIST: 'floppy' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(tarFile(r.tar, './etc/modprobe.d/blacklist.conf'), 'blacklist floppy\n');
  });

  it('disable-nouveau: nouveau blacklisted and modeset=0; kept out of a dracut initramfs only where there is dracut', () => {
    const r = build('nouveau', ['busybox-minimal', 'disable-nouveau']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(tarFile(r.tar, './etc/modprobe.d/disable-nouveau.conf'), 'blacklist nouveau\noptions nouveau modeset=0\n');
    assert.equal(tarFile(r.tar, './etc/dracut.conf.d/disable-nouveau.conf'), undefined);
    const d = build('nouveau-dracut', ['has-dracut', 'disable-nouveau']);
    assert.equal(d.status, 0, d.stderr);
    assert.equal(tarFile(d.tar, './etc/dracut.conf.d/disable-nouveau.conf'), 'omit_drivers+=" nouveau "\n', 'and out of a dracut initramfs');
  });

  it('cloud-init-disable-resizefs: resizefs and growpart gone from cloud.cfg, the rest kept, no backup file', () => {
    const r = build('resizefs', ['with-cloud-cfg', 'cloud-init-disable-resizefs']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(tarFile(r.tar, './etc/cloud/cloud.cfg'), 'cloud_init_modules:\n - migrator\n - set_hostname\n');
    assert.equal(tarFile(r.tar, './etc/cloud/cloud.cfge'), undefined);
    const without = build('resizefs-none', ['busybox-minimal', 'cloud-init-disable-resizefs']);
    assert.equal(without.status, 1, without.stderr);
    assert.match(without.stderr, /\/etc\/cloud\/cloud\.cfg is missing: install cloud-init/);
  });

  it('every one of these elements has a README.rst', () => {
    for (const e of ['sysctl', 'modprobe', 'modprobe-blacklist', 'disable-nouveau', 'cloud-init-disable-resizefs']) {
      const r = spawnSync('head', ['-3', join(REPO, 'elements', e, 'README.rst')], { encoding: 'utf8' });
      assert.equal(r.stdout.split('\n')[1], e, `${e}/README.rst is titled with its name`);
    }
  });
});
