/**
 * The hooks of the puppet, puppet-master and ansible elements in busybox builds (seconds, offline):
 * the host's bash is copied into the tree and puppet, ansible-playbook, install-packages,
 * systemctl and apt-cache are stand-ins that record how they were called. What the hooks copy,
 * the command lines and inventory they make, how they fail and what they clean up is checked
 * here; tests/e2e/debian-elements.test.ts runs the real puppet and ansible in a Debian build.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { runCli } from '../../helpers/cli.js';
import { makeElementTree, removeTree } from '../../helpers/element-tree.js';
import { tarFile, tarList } from '../../helpers/tar.js';

const HOST_BASH = `#!/bin/bash
# the host's bash and the libraries it loads, at the same paths in the tree
set -eu -o pipefail
root=\${TARGET_ROOT:?}
mkdir -p "$root/bin"
cp -L /bin/bash "$root/bin/bash"
for lib in $(env -u LD_PRELOAD ldd /bin/bash | grep -o '/[^ ]*'); do
  mkdir -p "$root$(dirname "$lib")"
  cp -L "$lib" "$root$lib"
done
`;
const FAKES = `#!/bin/sh
set -eu
mkdir -p /usr/local/bin
cat > /usr/local/bin/install-packages <<'EOF'
#!/bin/sh
echo "$*" >> /install-packages.log
if [ "$*" = puppetserver ]; then
  # what a package could leave: a CA and certificates, and the service defaults
  mkdir -p /etc/puppet/puppetserver/ca /var/lib/puppet/ssl/certs /etc/default
  echo ca > /etc/puppet/puppetserver/ca/ca_crt.pem
  echo 'JAVA_ARGS="-Xms1g -Xmx1g -Djruby.logger.class=x"' > /etc/default/puppetserver
fi
EOF
cat > /usr/local/bin/puppet <<'EOF'
#!/bin/sh
if [ "$1" = config ]; then
  echo "$*" >> /puppet-config.log
  case "$*" in
    *confdir) echo /etc/puppet ;;
    *cadir) echo /etc/puppet/puppetserver/ca ;;
    *ssldir) echo /var/lib/puppet/ssl ;;
  esac
  exit 0
fi
echo "$*" > /puppet.args
echo "$RUBYOPT" > /puppet.rubyopt
( cd /tmp/in_target.d/puppet && find . -type f | sort ) > /puppet.seen
mkdir -p /var/cache/puppet/state /var/cache/puppet/reports /var/cache/puppet/public /var/log/puppet
echo run > /var/log/puppet/apply.log
echo "puppet: Error: a stand-in failure" >&2
exit "\${DIB_TEST_PUPPET_RC:-2}"
EOF
cat > /usr/local/bin/ansible-playbook <<'EOF'
#!/bin/sh
echo "$*" > /ansible.args
{ pwd; echo "$LC_ALL"; } > /ansible.env
inv=$(echo "$*" | sed -n 's/^-i \\([^ ]*\\) .*/\\1/p')
cp "$inv" /ansible.inventory
exit "\${DIB_TEST_ANSIBLE_RC:-0}"
EOF
cat > /usr/local/bin/systemctl <<'EOF'
#!/bin/sh
echo "$*" >> /systemctl.log
EOF
chmod 755 /usr/local/bin/*
if [ -n "\${DIB_TEST_APT_CACHE:-}" ]; then
  printf '#!/bin/sh\\necho "  Candidate: %s"\\n' "$DIB_TEST_APT_CACHE" > /usr/local/bin/apt-cache
  chmod 755 /usr/local/bin/apt-cache
fi
`;

describe('puppet, puppet-master and ansible hooks, in busybox builds', () => {
  const out = mkdtempSync(join(tmpdir(), 'kiln-cfgmgmt-'));
  chmodSync(out, 0o777);
  after(() => rmSync(out, { recursive: true, force: true }));
  const elements = makeElementTree({
    'with-fakes': { deps: ['busybox-minimal'], files: { 'root.d/60-host-bash': HOST_BASH, 'pre-install.d/00-fakes': FAKES } },
  });
  after(() => removeTree(elements));
  const put = (path: string, text: string) => {
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, text);
  };
  put(join(out, 'pp/manifests/site.pp'), 'include a\n');
  put(join(out, 'pp/mods1/a/manifests/init.pp'), 'class a {}\n');
  put(join(out, 'pp/mods2/b/manifests/init.pp'), 'class b {}\n');
  put(join(out, 'pp/hiera/hiera.yaml'), '---\nversion: 5\n');
  put(join(out, 'pp/hiera/data/common.yaml'), 'a::x: 1\n');
  put(join(out, 'pp/one.pp'), "notify { 'one': }\n");
  put(join(out, 'an/site.yml'), '- hosts: all\n');
  put(join(out, 'an/roles/r/tasks/main.yml'), '- debug: {}\n');
  put(join(out, 'vars.yaml'), 'x: 1\n');
  const build = (name: string, els: string[], env: Record<string, string>) => {
    const r = runCli('disk-image-create', ['-t', 'tar', '-o', join(out, name), 'with-fakes', ...els], {
      env: { ELEMENTS_PATH: elements, TMP_DIR: out, ...env },
    });
    return { ...r, tar: join(out, `${name}.tar`) };
  };
  const pp = join(out, 'pp');

  it('puppet: manifests, modules and hiera data copied; puppet apply with them and the offline systemd provider; exit 2 passes; run state removed', () => {
    const r = build('puppet', ['puppet'], {
      DIB_PUPPET_MANIFESTS: join(pp, 'manifests'),
      DIB_PUPPET_MODULES: `${join(pp, 'mods1')}:${join(pp, 'mods2')}`,
      DIB_PUPPET_HIERA: join(pp, 'hiera'),
    });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(
      tarFile(r.tar, './install-packages.log'),
      '-u\npuppet\n',
      'base updates; the agent through package-installs (pkg-map: puppet-agent on Debian)',
    );
    assert.equal(
      tarFile(r.tar, './puppet.args'),
      'apply --detailed-exitcodes --color=false --logdest console --modulepath=/tmp/in_target.d/puppet/modules/1:/tmp/in_target.d/puppet/modules/2 --hiera_config=/tmp/in_target.d/puppet/hiera/hiera.yaml /tmp/in_target.d/puppet/manifests\n',
    );
    assert.equal(
      tarFile(r.tar, './puppet.seen'),
      './hiera/data/common.yaml\n./hiera/hiera.yaml\n./manifests/site.pp\n./modules/1/a/manifests/init.pp\n./modules/2/b/manifests/init.pp\n',
    );
    assert.equal(tarFile(r.tar, './puppet.rubyopt'), '-r/tmp/in_target.d/lib/puppet-offline-systemd.rb\n');
    const list = tarList(r.tar);
    assert.ok(!list.some((p) => /^\.\/var\/cache\/puppet\/(state|reports)/.test(p)), 'state and reports removed');
    assert.ok(list.includes('./var/cache/puppet/public/'), "puppet's other directories stay");
    assert.ok(!list.includes('./var/log/puppet/apply.log'));
    assert.ok(!list.some((p) => p.startsWith('./tmp/in_target.d')));
  });

  it('puppet: one manifest file; no manifests installs the agent only; a failing apply fails the build with its exit code', () => {
    const one = build('puppet-one', ['puppet'], { DIB_PUPPET_MANIFESTS: join(pp, 'one.pp'), DIB_TEST_PUPPET_RC: '0' });
    assert.equal(one.status, 0, one.stderr);
    assert.match(tarFile(one.tar, './puppet.args') ?? '', / \/tmp\/in_target\.d\/puppet\/manifests\n$/);
    assert.equal(tarFile(one.tar, './puppet.seen'), './manifests/one.pp\n');
    const none = build('puppet-none', ['puppet'], {});
    assert.equal(none.status, 0, none.stderr);
    assert.equal(tarFile(none.tar, './puppet.args'), undefined);
    assert.equal(tarFile(none.tar, './install-packages.log'), '-u\npuppet\n');
    const bad = build('puppet-bad', ['puppet'], { DIB_PUPPET_MANIFESTS: join(pp, 'one.pp'), DIB_TEST_PUPPET_RC: '6' });
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /puppet apply failed \(exit 6\)/);
    assert.match(bad.stderr, /a stand-in failure/, "puppet's own error is shown");
  });

  it('puppet: a wrong path, or modules without manifests, fail before anything is installed', () => {
    const missing = build('puppet-missing', ['puppet'], { DIB_PUPPET_MANIFESTS: join(pp, 'nope') });
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /DIB_PUPPET_MANIFESTS=.*nope is not a manifest file or a directory of manifests/);
    const mods = build('puppet-mods', ['puppet'], { DIB_PUPPET_MODULES: join(pp, 'mods1') });
    assert.equal(mods.status, 1);
    assert.match(mods.stderr, /DIB_PUPPET_MODULES or DIB_PUPPET_HIERA is set but DIB_PUPPET_MANIFESTS is not/);
    const hiera = build('puppet-hiera', ['puppet'], { DIB_PUPPET_MANIFESTS: join(pp, 'one.pp'), DIB_PUPPET_HIERA: join(pp, 'mods1') });
    assert.equal(hiera.status, 1);
    assert.match(hiera.stderr, /DIB_PUPPET_HIERA=.* must be a directory with a hiera\.yaml/);
  });

  it('ansible: the playbook directory copied, inventory variables from DIB_ANSIBLE_VAR_*, extra vars from DIB_ANSIBLE_VARS; ansible-core installed, then removed', () => {
    const r = build('ansible', ['ansible'], {
      DIB_ANSIBLE_PLAYBOOK: join(out, 'an/site.yml'),
      DIB_ANSIBLE_VARS: join(out, 'vars.yaml'),
      DIB_ANSIBLE_VAR_greeting: 'say "hi"\\now',
      DIB_ANSIBLE_VAR_port: '8080',
      DIB_ANSIBLE_ARGS: '--tags web  -v',
    });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(
      tarFile(r.tar, './ansible.args'),
      `-i /tmp/kiln-ansible/inventory.json --limit localhost --extra-vars @/tmp/in_target.d/ansible/vars.yaml --tags web -v site.yml\n`,
    );
    assert.equal(tarFile(r.tar, './ansible.env'), '/tmp/in_target.d/ansible/playbook\nC.UTF-8\n', 'run in the playbook directory, UTF-8 locale');
    assert.deepEqual(JSON.parse(tarFile(r.tar, './ansible.inventory') ?? '{}'), {
      all: { hosts: { localhost: { ansible_connection: 'local', ansible_python_interpreter: '/usr/bin/python3', greeting: 'say "hi"\\now', port: '8080' } } },
    });
    assert.equal(tarFile(r.tar, './install-packages.log'), '-u\nansible-core\n-e ansible-core\n');
    assert.ok(!tarList(r.tar).some((p) => p.startsWith('./tmp/kiln-ansible') || p.startsWith('./tmp/in_target.d')));
  });

  it('ansible: DIB_ANSIBLE_KEEP=1 keeps ansible-core; a failing playbook fails the build; a bad path fails', () => {
    const keep = build('ansible-keep', ['ansible'], { DIB_ANSIBLE_PLAYBOOK: join(out, 'an/site.yml'), DIB_ANSIBLE_KEEP: '1' });
    assert.equal(keep.status, 0, keep.stderr);
    assert.equal(tarFile(keep.tar, './install-packages.log'), '-u\nansible-core\n');
    const bad = build('ansible-bad', ['ansible'], { DIB_ANSIBLE_PLAYBOOK: join(out, 'an/site.yml'), DIB_TEST_ANSIBLE_RC: '2' });
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /ansible-playbook failed \(exit 2\)/);
    const missing = build('ansible-missing', ['ansible'], { DIB_ANSIBLE_PLAYBOOK: join(out, 'an/nope.yml') });
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /DIB_ANSIBLE_PLAYBOOK=.*nope\.yml is not a playbook file/);
    const none = build('ansible-none', ['ansible'], {});
    assert.equal(none.status, 0, none.stderr);
    assert.equal(tarFile(none.tar, './install-packages.log'), '-u\n', 'no playbook, no pull: nothing installed');
  });

  it('ansible: DIB_ANSIBLE_PULL_URL keeps ansible-core and git and enables a first-boot oneshot running ansible-pull once', () => {
    const r = build('ansible-pull', ['ansible'], {
      DIB_INIT_SYSTEM: 'systemd',
      DIB_ANSIBLE_PULL_URL: 'https://git.example.invalid/site config.git',
      DIB_ANSIBLE_PULL_BRANCH: 'stable',
    });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(tarFile(r.tar, './install-packages.log'), '-u\nansible-core git\n');
    assert.equal(tarFile(r.tar, './systemctl.log'), 'enable kiln-ansible-pull.service\n');
    const unit = tarFile(r.tar, './etc/systemd/system/kiln-ansible-pull.service') ?? '';
    assert.match(unit, /^ConditionPathExists=!\/var\/lib\/kiln-ansible-pull\/done$/m);
    assert.match(unit, /^After=network-online\.target$/m);
    assert.match(unit, /^ExecStart=\/usr\/local\/sbin\/kiln-ansible-pull$/m);
    // the settings file is bash that gives the values back whole
    const settings = tarFile(r.tar, './etc/default/kiln-ansible-pull') ?? '';
    const read = spawnSync('bash', ['-c', `${settings}\nprintf '%s|%s|%s' "$ANSIBLE_PULL_URL" "$ANSIBLE_PULL_BRANCH" "$ANSIBLE_PULL_PLAYBOOK"`], {
      encoding: 'utf8',
    });
    assert.equal(read.stdout, 'https://git.example.invalid/site config.git|stable|');
    assert.match(tarFile(r.tar, './usr/local/sbin/kiln-ansible-pull') ?? '', /ansible-pull "\$\{args\[@\]\}"/);
    const sysv = build('ansible-pull-sysv', ['ansible'], { DIB_ANSIBLE_PULL_URL: 'https://git.example.invalid/x.git' });
    assert.equal(sysv.status, 1);
    assert.match(sysv.stderr, /DIB_ANSIBLE_PULL_URL needs systemd/);
  });

  it('puppet-master: puppetserver installed, the autosign policy set, no CA or certificates in the image, a first-boot CA oneshot before the enabled server', () => {
    const policy = join(out, 'autosign.conf');
    writeFileSync(policy, '*.example.internal\n');
    const r = build('pm', ['puppet-master'], {
      DIB_INIT_SYSTEM: 'systemd',
      DIB_TEST_APT_CACHE: '7.9.5-2+deb12u1',
      DIB_PUPPET_MASTER_AUTOSIGN: policy,
      DIB_PUPPET_MASTER_JAVA_HEAP: '512m',
      DIB_PUPPET_MASTER_START_TIMEOUT: '1800',
      DIB_PUPPET_MASTER_JAVA_ARGS: '-XX:TieredStopAtLevel=1 -Dx=/a/b',
    });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(tarFile(r.tar, './install-packages.log'), '-u\npuppet\npuppetserver\n');
    assert.equal(tarFile(r.tar, './etc/puppet/autosign.conf'), '*.example.internal\n');
    assert.match(tarFile(r.tar, './puppet-config.log') ?? '', /^config set --section server autosign \/etc\/puppet\/autosign\.conf$/m);
    const list = tarList(r.tar);
    assert.ok(!list.some((p) => p.startsWith('./etc/puppet/puppetserver/ca') || p.startsWith('./var/lib/puppet/ssl')), 'no CA, no certificates');
    const unit = tarFile(r.tar, './etc/systemd/system/kiln-puppetserver-ca.service') ?? '';
    assert.match(unit, /^ConditionPathExists=!\/etc\/puppet\/puppetserver\/ca\/ca_crt\.pem$/m);
    assert.match(unit, /^Before=puppetserver\.service$/m);
    assert.match(unit, /^ExecStart=\/usr\/bin\/puppetserver ca setup$/m);
    assert.match(unit, /^RequiredBy=puppetserver\.service$/m);
    assert.match(tarFile(r.tar, './systemctl.log') ?? '', /^enable kiln-puppetserver-ca\.service puppetserver\.service$/m);
    assert.equal(tarFile(r.tar, './etc/default/puppetserver'), 'JAVA_ARGS="-Xms512m -Xmx512m -Djruby.logger.class=x -XX:TieredStopAtLevel=1 -Dx=/a/b"\n');
    assert.equal(tarFile(r.tar, './etc/systemd/system/puppetserver.service.d/kiln-start-timeout.conf'), '[Service]\nTimeoutStartSec=1800\n');
    const yes = build('pm-true', ['puppet-master'], { DIB_INIT_SYSTEM: 'systemd', DIB_TEST_APT_CACHE: '7.9.5-2+deb12u1', DIB_PUPPET_MASTER_AUTOSIGN: 'true' });
    assert.equal(yes.status, 0, yes.stderr);
    assert.match(tarFile(yes.tar, './puppet-config.log') ?? '', /^config set --section server autosign true$/m);
    assert.ok(!tarList(yes.tar).some((p) => p.includes('puppetserver.service.d')), "Debian's start timeout unless one is set");
  });

  it('puppet-master: refused, with the reason, without apt or when the archive has no puppetserver', () => {
    const noApt = build('pm-noapt', ['puppet-master'], { DIB_INIT_SYSTEM: 'systemd' });
    assert.equal(noApt.status, 1);
    assert.match(noApt.stderr, /puppet-master: only Debian's puppetserver package is supported/);
    const none = build('pm-none', ['puppet-master'], { DIB_INIT_SYSTEM: 'systemd', DIB_TEST_APT_CACHE: '(none)' });
    assert.equal(none.status, 1);
    assert.match(none.stderr, /has no puppetserver package, so no Puppet server can be installed/);
    const badAutosign = build('pm-autosign', ['puppet-master'], { DIB_PUPPET_MASTER_AUTOSIGN: join(out, 'nope') });
    assert.equal(badAutosign.status, 1);
    assert.match(badAutosign.stderr, /DIB_PUPPET_MASTER_AUTOSIGN=.*nope is not true, false or a file/);
    const badTimeout = build('pm-timeout', ['puppet-master'], {
      DIB_INIT_SYSTEM: 'systemd',
      DIB_TEST_APT_CACHE: '7.9.5-2+deb12u1',
      DIB_PUPPET_MASTER_START_TIMEOUT: '5m',
    });
    assert.equal(badTimeout.status, 1);
    assert.match(badTimeout.stderr, /DIB_PUPPET_MASTER_START_TIMEOUT='5m' is not a number of seconds/);
    const badArgs = build('pm-args', ['puppet-master'], {
      DIB_INIT_SYSTEM: 'systemd',
      DIB_TEST_APT_CACHE: '7.9.5-2+deb12u1',
      DIB_PUPPET_MASTER_JAVA_ARGS: '-Da=b|c',
    });
    assert.equal(badArgs.status, 1);
    assert.match(badArgs.stderr, /DIB_PUPPET_MASTER_JAVA_ARGS may not contain/);
  });
});
