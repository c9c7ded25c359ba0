/**
 * End to end: a `puppet-master` image (Kiln's default Debian release) built, read back and booted
 * until its Puppet server answers. The tar shows the server installed, its services enabled, the
 * autosign policy set and no CA from the build; the qcow2 is booted with `boot-test --check`, whose
 * check passes only when, in the booted guest, puppetserver is active, its CA was generated at this
 * boot (the first-boot oneshot) with a server certificate for this machine's certname, and its HTTPS
 * status endpoint on port 8140 says "running". Puppet Server is a JVM: under TCG it takes longer to
 * start than the 5 minutes Debian's unit allows, hence DIB_PUPPET_MASTER_START_TIMEOUT and the long
 * timeouts. Run under the Debian build lock.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { REPO, runCli } from '../helpers/cli.js';
import { tarFile, tarListLong } from '../helpers/tar.js';

const isRoot = process.getuid?.() === 0;
const skip = !isRoot && process.env.CI !== 'true' ? 'needs root (or CI)' : false;

/**
 * The guest's check (its trace is the failure's output): it fails, and boot-test with it, unless the
 * server is up, has a CA (the image had none: made at this boot) and a certificate for this
 * machine's certname, and its HTTPS status endpoint says "running".
 */
const SERVER_UP = [
  'set -eux',
  // the boot counts as finished while the server is still activating (its start takes minutes here)
  'for i in $(seq 300); do [ "$(systemctl is-active puppetserver)" = activating ] || break; sleep 5; done',
  'systemctl is-active puppetserver',
  'cadir=$(puppet config print --section server cadir)',
  'test -s "$cadir/ca_crt.pem"',
  'certname=$(puppet config print --section server certname)',
  'openssl x509 -noout -subject -nameopt RFC2253 -in "$(puppet config print --section server hostcert)" | grep -Fx "subject=CN=$certname"',
  `ruby -rnet/http -ropenssl -e 'h = Net::HTTP.new("localhost", 8140); h.use_ssl = true; h.verify_mode = OpenSSL::SSL::VERIFY_NONE; b = h.get("/status/v1/simple").body.strip; puts b; exit(b == "running" ? 0 : 1)'`,
].join('\n');

const JAVA_ARGS = '-XX:TieredStopAtLevel=1 -XX:+UseSerialGC';

describe('puppet-master: an image that boots as a ready Puppet server', { skip, timeout: 60 * 60_000 }, () => {
  const out = mkdtempSync(join(tmpdir(), 'kiln-e2e-puppet-master-'));
  after(() => rmSync(out, { recursive: true, force: true }));
  const tar = join(out, 'img.tar');
  let built: { status: number; stdout: string; stderr: string } | undefined;
  const build = () => {
    built ??= runCli('disk-image-create', ['-t', 'tar,qcow2', '-o', join(out, 'img'), 'debian-minimal', 'vm', 'puppet-master'], {
      env: {
        TMP_DIR: out,
        DIB_PUPPET_MASTER_AUTOSIGN: 'true',
        // Debian's unit gives the JVM 5 minutes to start, too few under TCG; C1 only compiles less
        DIB_PUPPET_MASTER_START_TIMEOUT: '1500',
        DIB_PUPPET_MASTER_JAVA_ARGS: JAVA_ARGS,
        DIB_GRUB_TIMEOUT: '0',
      },
      timeoutMs: 40 * 60_000,
    });
    assert.equal(built.status, 0, built.stderr.slice(-4000));
  };

  it('the server installed and enabled, autosign set, and no CA or certificate from the build', () => {
    build();
    assert.match(tarFile(tar, './var/lib/dpkg/status') ?? '', /^Package: puppetserver\nStatus: install ok installed$/m);
    assert.match(tarFile(tar, './etc/puppet/puppet.conf') ?? '', /^\[server\]\n(?:.*\n)*?autosign = true$/m);
    const javaArgs = (tarFile(tar, './etc/default/puppetserver') ?? '').split('\n').find((l) => l.startsWith('JAVA_ARGS='));
    assert.ok(javaArgs?.startsWith('JAVA_ARGS="-Xms1g -Xmx1g ') && javaArgs.endsWith(` ${JAVA_ARGS}"`), javaArgs);
    assert.equal(tarFile(tar, './etc/systemd/system/puppetserver.service.d/kiln-start-timeout.conf'), '[Service]\nTimeoutStartSec=1500\n');
    const list = tarListLong(tar);
    for (const unit of ['puppetserver.service', 'kiln-puppetserver-ca.service'])
      assert.ok(
        list.some((l) => new RegExp(` \\./etc/systemd/system/[^/ ]+\\.(?:wants|requires)/${unit.replace(/\./g, '\\.')} -> `).test(l)),
        `${unit} enabled`,
      );
    assert.ok(!list.some((l) => / \.\/(?:etc|var\/lib)\/puppet(?:server|labs)?\/.*\/(?:ca_crt|ca_key)\.pem$/.test(l)), 'no CA in the image');
    assert.ok(!list.some((l) => / \.\/etc\/puppet\/.*\/certs\/[^/]+\.pem$/.test(l)), 'no certificate in the image');
  });

  it('boots, generates its CA and answers on 8140 ("running")', () => {
    build();
    const r = spawnSync(
      process.execPath,
      [join(REPO, 'bin/kiln'), 'boot-test', join(out, 'img.qcow2'), '--memory', '2048', '--timeout', '900', '--check', SERVER_UP, '--check-timeout', '1800'],
      { encoding: 'utf8', maxBuffer: 64 << 20, timeout: 45 * 60_000 },
    );
    assert.equal(r.status, 0, (r.stdout + r.stderr).slice(-4000));
    assert.match(r.stdout, /boot-test: OK: .* 1 check\(s\) passed in the guest/);
  });
});
