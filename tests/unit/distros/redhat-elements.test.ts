/**
 * The Red Hat family elements: DIB's names resolve to Kiln's elements, each OS element names its
 * dnf driver, its environment.d agrees with the distro data, `kiln plan` shows the dnf plan, the
 * yum element's install-packages drives dnf, and yum-minimal's pkg-map maps as DIB's.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DISTROS_DIR } from '../../../src/distros/debian-data.js';
import { KILN_DISTRO_ELEMENTS, unsupportedDistroElement } from '../../../src/distros/index.js';
import { loadRpmData } from '../../../src/distros/rpm-data.js';
import { mapPackages, parsePkgMap } from '../../../src/elements/pkg-map.js';
import { resolveElementSet } from '../../../src/elements/resolve.js';
import { scanElements } from '../../../src/elements/scan.js';
import { REPO, runCli } from '../../helpers/cli.js';
import { findTool } from '../../helpers/host-tools.js';

const ELEMENTS = resolve(REPO, 'elements');
const OS = { 'centos-minimal': 'centos', 'fedora-minimal': 'fedora', 'rocky-minimal': 'rocky', 'almalinux-minimal': 'almalinux', rhel: 'rhel' } as const;

test("element-info centos-minimal vm / fedora-minimal vm: Kiln's elements (yum-minimal, redhat-common, rpm-distro, yum)", () => {
  for (const os of ['centos-minimal', 'fedora-minimal']) {
    const r = runCli('element-info', [os, 'vm', 'block-device-mbr']);
    assert.equal(r.status, 0, r.stderr);
    const names = r.stdout.trim().split(/\s+/);
    for (const n of [os, 'yum-minimal', 'redhat-common', 'rpm-distro', 'yum', 'package-installs', 'pkg-map', 'vm']) assert.ok(names.includes(n), `${os}: ${n}`);
    assert.ok(!names.some((n) => n.startsWith('debian') || n === 'dpkg'), names.join(' '));
  }
});

test('every Red Hat family OS element provides operating-system and bootstraps with its dnf driver; centos and fedora build on the -minimal ones', () => {
  const index = scanElements([ELEMENTS]);
  for (const [el, driver] of Object.entries(OS)) {
    assert.equal(KILN_DISTRO_ELEMENTS[el]?.split(' ')[0], driver, el);
    assert.equal(unsupportedDistroElement(el), undefined, el);
    assert.equal(readFileSync(join(ELEMENTS, el, 'element-provides'), 'utf8').trim(), 'operating-system');
    assert.match(readFileSync(join(ELEMENTS, el, 'kiln-bootstrap'), 'utf8'), new RegExp(`^driver: ${driver}$`, 'm'));
    const names = resolveElementSet(index, [el]).elements.map((e) => e.name);
    assert.ok(names.includes('yum-minimal') && names.includes('redhat-common'), el);
  }
  for (const [el, minimal] of [
    ['centos', 'centos-minimal'],
    ['fedora', 'fedora-minimal'],
  ]) {
    const names = resolveElementSet(index, [el!]).elements.map((e) => e.name);
    assert.ok(names.includes(minimal!) && names.includes('openssh-server'), el);
  }
  // the container-based names are the container driver's (tests/unit/distros/containerfile.test.ts), not refused
  for (const el of ['rocky-container', 'almalinux-container', 'fedora-container']) assert.equal(unsupportedDistroElement(el), undefined, el);
});

test("the OS elements' environment.d agrees with the distro data: DISTRO_NAME, DIB_RELEASE default, EFI_BOOT_DIR; DIB_INIT_SYSTEM=systemd", () => {
  for (const [el, distro] of Object.entries(OS)) {
    const data = loadRpmData(join(DISTROS_DIR, `${distro}.yaml`));
    const files = [
      ...readdirSync(join(ELEMENTS, 'redhat-common/environment.d')).map((f) => join(ELEMENTS, 'redhat-common/environment.d', f)),
      ...readdirSync(join(ELEMENTS, el, 'environment.d')).map((f) => join(ELEMENTS, el, 'environment.d', f)),
    ];
    const out = execFileSync(
      'bash',
      ['-c', `set -eu; for f in "$@"; do . "$f"; done; echo "$DISTRO_NAME|$DIB_RELEASE|$EFI_BOOT_DIR|$DIB_INIT_SYSTEM|$YUM"`, 'env', ...files],
      {
        encoding: 'utf8',
        env: { PATH: process.env.PATH ?? '' },
      },
    ).trim();
    assert.equal(out, `${distro}|${data.defaultRelease}|${data.grub.efiDir}|systemd|dnf`, el);
    const given = execFileSync('bash', ['-c', `. "$1"; echo "$DIB_RELEASE"`, 'env', files.at(-1)!], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '', DIB_RELEASE: 'X' },
    });
    assert.equal(given.trim(), 'X', `${el}: the user's DIB_RELEASE wins`);
  }
});

test('kiln plan centos-minimal vm: the centos driver, dnf, 9-stream, the package set; without repositories the plan says what to set', () => {
  const env = { DIB_DISTRIBUTION_MIRROR: 'http://mirror.invalid/centos-stream', DIB_DNF_NO_GPGCHECK: '1' };
  const r = runCli('kiln', ['plan', '-o', '/nonexistent/x', 'centos-minimal', 'vm'], { env });
  assert.equal(r.status, 0, r.stderr);
  const b = JSON.parse(r.stdout).bootstrap;
  assert.equal(b.driver, 'centos');
  assert.equal(b.element, 'centos-minimal');
  assert.equal(b.plan.family, 'rpm');
  assert.equal(b.plan.tool, 'dnf');
  assert.equal(b.plan.release, '9-stream');
  assert.equal(b.plan.gpgcheck, false);
  assert.deepEqual(b.plan.repos, [
    'dib-mirror-baseos http://mirror.invalid/centos-stream/9-stream/BaseOS/x86_64/os',
    'dib-mirror-appstream http://mirror.invalid/centos-stream/9-stream/AppStream/x86_64/os',
  ]);
  for (const p of ['kernel', 'dracut', 'dnf', 'systemd', 'centos-stream-release']) assert.ok(b.plan.packages.includes(p), p);
  const none = runCli('kiln', ['plan', '-o', '/nonexistent/x', 'fedora-minimal', 'vm'], { env: { DIB_DISTRIBUTION_MIRROR: '', DIB_YUM_REPO_CONF: '' } });
  assert.equal(none.status, 0, none.stderr);
  assert.match(JSON.parse(none.stdout).bootstrap.plan.error, /fedora needs package repositories: neither DIB_DISTRIBUTION_MIRROR nor DIB_YUM_REPO_CONF is set/);
});

test("yum's install-packages: skips what rpm says is installed, runs dnf for the rest and marks it; -e removes; without dnf it says so", () => {
  const work = mkdtempSync(join(tmpdir(), 'kiln-yum-ip-'));
  try {
    const bin = join(work, 'bin');
    mkdirSync(bin);
    const log = join(work, 'log');
    // rpm -q --whatprovides NAME: installed when NAME is in $INSTALLED
    writeFileSync(join(bin, 'rpm'), '#!/bin/sh\nfor n in $INSTALLED; do [ "$n" = "$3" ] && exit 0; done\nexit 1\n');
    writeFileSync(join(bin, 'dnf'), `#!/bin/sh\necho "dnf $*" >> "${log}"\n`);
    for (const f of ['rpm', 'dnf']) chmodSync(join(bin, f), 0o755);
    // only the stubs and what the script needs besides them: the host's own dnf must not be found
    const bash = findTool('bash');
    const basename = findTool('basename');
    assert.ok(bash && basename);
    symlinkSync(basename, join(bin, 'basename'));
    const script = join(ELEMENTS, 'yum/bin/install-packages');
    const run = (args: string[], env: Record<string, string>) => execFileSync(bash, [script, ...args], { encoding: 'utf8', env: { PATH: bin, ...env } });
    run(['kernel', 'tmux', 'vim-minimal'], { INSTALLED: 'kernel' });
    assert.equal(readFileSync(log, 'utf8'), 'dnf -y install tmux vim-minimal\ndnf -y mark install tmux vim-minimal\n');
    rmSync(log);
    assert.match(run(['kernel'], { INSTALLED: 'kernel' }), /Not running install-packages install with empty packages list/);
    run(['-e', 'kernel', 'linux-firmware'], { INSTALLED: 'kernel' });
    assert.equal(readFileSync(log, 'utf8'), 'dnf -y remove kernel\n', 'what is not installed is not removed');
    rmSync(join(bin, 'dnf'));
    assert.throws(
      () => execFileSync(bash, [script, 'tmux'], { encoding: 'utf8', stdio: 'pipe', env: { PATH: bin, INSTALLED: '' } }),
      (e: { stderr?: string }) => /dnf is not installed in the image, but these packages must be installed: tmux/.test(e.stderr ?? ''),
    );
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});

test("yum-minimal's pkg-map: lsb_release and dhcp-client by distro and release, as DIB's", () => {
  const file = join(ELEMENTS, 'yum-minimal/pkg-map');
  const map = parsePkgMap(readFileSync(file, 'utf8'), file, 'yum-minimal');
  const m = (distro: string, release: string, names: string[]) =>
    mapPackages(map, { distro, release }, names, { missingOk: true }).flatMap((p) => p.split(/\s+/).filter(Boolean));
  assert.deepEqual(m('centos', '9-stream', ['lsb_release']), ['ed', 'hostname', 'patch', 'postfix', 'tar', 'time']);
  assert.deepEqual(m('centos', '10-stream', ['lsb_release', 'dhcp-client']), ['python3-distro', 'ed', 'hostname', 'patch', 'postfix', 'tar', 'time', 'dhcpcd']);
  assert.deepEqual(m('rocky', '8', ['lsb_release']), ['redhat-lsb-core']);
  assert.deepEqual(m('fedora', '43', ['lsb_release', 'dhcp-client', 'kernel']), ['kernel']);
});
