/**
 * A whole `disk-image-create opensuse-minimal -t tar` build, offline, from a fixture repository laid
 * out as Leap 16.0 under a local mirror (DIB_DISTRIBUTION_MIRROR). The fixture has a package for
 * every name of Kiln's opensuse.yaml package set: most are empty, `bash` carries the host's bash
 * and its libraries (DIB's hooks are bash scripts) and the base pattern pulls in busybox (/bin/sh
 * and the tools the hooks use). So the real data file, the real elements and every phase run; the
 * tree has no zypper, so the build avoids the package update (DIB_AVOID_PACKAGES_UPDATE=1).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DISTROS_DIR } from '../../../src/distros/debian-data.js';
import { loadZypperData } from '../../../src/distros/zypper-data.js';
import { currentIdentity } from '../../../src/sandbox/identity.js';
import { runCli } from '../../helpers/cli.js';
import { makeElementTree } from '../../helpers/element-tree.js';
import { findTool } from '../../helpers/host-tools.js';
import { buildRpmRepo, type FixtureRpm, makeSigningKey, missingRpmFixtureTools } from '../../helpers/rpm-repo.js';

const skip = !currentIdentity().privileged && process.env.CI !== 'true' ? 'needs root (or CI)' : false;
const tools = missingRpmFixtureTools();
const why = skip || (tools.length && process.env.CI !== 'true' ? `missing ${tools.join(', ')}` : false);

/** The host's bash and the libraries ldd names, at the same paths in the package. */
function hostBash(): Record<string, string> {
  const bash = findTool('bash')!;
  const files: Record<string, string> = { '/bin/bash': bash };
  for (const m of execFileSync('ldd', [bash], { encoding: 'utf8' }).matchAll(/(?:=> )?(\/\S+) \(0x/g)) files[m[1]!] = m[1]!;
  return files;
}

function busyboxPackage(): FixtureRpm {
  const bb = findTool('busybox')!;
  const applets = execFileSync(bb, ['--list'], { encoding: 'utf8' })
    .split('\n')
    .filter((a) => a && !['sh', 'bash', 'busybox'].includes(a));
  return {
    name: 'fixture-busybox',
    copy: { '/usr/bin/busybox': bb },
    symlinks: { '/bin/sh': '/usr/bin/busybox', ...Object.fromEntries(applets.map((a) => [`/usr/bin/${a}`, '/usr/bin/busybox'])) },
  };
}

function fixturePackages(): FixtureRpm[] {
  const names = new Set([...loadZypperData(join(DISTROS_DIR, 'opensuse.yaml')).packages, 'kernel-default']);
  const pkgs: FixtureRpm[] = [busyboxPackage()];
  for (const name of names) {
    if (name === 'bash') pkgs.push({ name, copy: hostBash() });
    else if (name === 'patterns-openSUSE-base') pkgs.push({ name, requires: ['fixture-busybox', 'bash'] });
    else if (name === 'filesystem') pkgs.push({ name, files: { '/etc/os-release': 'NAME="openSUSE fixture"\nID=opensuse-leap\nVERSION_ID="16.0"\n' } });
    else pkgs.push({ name, files: { [`/usr/share/fixture/${name}`]: `${name}\n` } });
  }
  return pkgs;
}

test('disk-image-create opensuse-minimal -t tar from a fixture Leap 16.0 mirror: the bootstrap, every element of opensuse-minimal, and the phase environment', {
  skip: why,
  timeout: 10 * 60_000,
}, () => {
  const work = mkdtempSync(join(tmpdir(), 'kiln-opensuse-build-'));
  chmodSync(work, 0o755);
  try {
    const repo = buildRpmRepo(join(work, 'repo'), fixturePackages(), { signRepodata: makeSigningKey(join(work, 'key')) });
    const mirror = join(work, 'mirror');
    mkdirSync(join(mirror, 'distribution/leap/16.0/repo/oss'), { recursive: true });
    cpSync(repo, join(mirror, 'distribution/leap/16.0/repo/oss/x86_64'), { recursive: true });
    const probe = makeElementTree(
      {
        'opensuse-probe': {
          deps: ['opensuse-minimal'],
          files: {
            'install.d/50-probe':
              '#!/bin/bash\nset -eu -o pipefail\necho "$DISTRO_NAME $DIB_RELEASE $DIB_INIT_SYSTEM $EFI_BOOT_DIR $(dib-init-system)" > /etc/kiln-probe\ninstall-packages -h > /tmp/usage\nhead -n 1 /tmp/usage >> /etc/kiln-probe\nrm /tmp/usage\n',
          },
        },
      },
      join(work, 'elements'),
    );
    const out = join(work, 'out');
    mkdirSync(out);
    const r = runCli('disk-image-create', ['-a', 'amd64', 'opensuse-probe', '-t', 'tar', '-o', join(out, 'suse')], {
      env: {
        ELEMENTS_PATH: probe,
        TMP_DIR: work,
        DIB_IMAGE_CACHE: join(work, 'cache'),
        DIB_DISTRIBUTION_MIRROR: mirror,
        DIB_AVOID_PACKAGES_UPDATE: '1',
      },
    });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /opensuse 16\.0 x86_64 with zypper/);

    const tree = join(work, 'extracted');
    mkdirSync(tree);
    execFileSync('tar', ['-C', tree, '--numeric-owner', '-xpf', join(out, 'suse.tar')]);
    const qa = execFileSync('rpm', ['--root', tree, '--dbpath', '/usr/lib/sysimage/rpm', '-qa', '--qf', '%{NAME}\n'], { encoding: 'utf8' });
    for (const p of ['filesystem', 'kernel-default', 'zypper', 'patterns-openSUSE-base', 'fixture-busybox', 'bash', 'dracut', 'systemd']) {
      assert.match(qa, new RegExp(`^${p}$`, 'm'), `${p} installed`);
    }
    // the phase environment of opensuse-minimal, and base's dib-init-system
    assert.equal(readFileSync(join(tree, 'etc/kiln-probe'), 'utf8'), 'opensuse 16.0 systemd EFI/opensuse systemd\nUsage: install-packages [package ...]\n');
    // zypper-minimal's hooks after the bootstrap
    assert.equal(readFileSync(join(tree, 'etc/resolv.conf'), 'utf8'), '# This file intentionally left blank\n\n');
    assert.equal(readFileSync(join(tree, 'etc/locale.conf'), 'utf8'), 'LANG="C.UTF-8"\n');
    assert.ok(lstatSync(join(tree, 'etc/localtime')).isSymbolicLink());
    assert.equal(readlinkSync(join(tree, 'etc/localtime')), '/usr/share/zoneinfo/Etc/UTC');
    assert.match(readFileSync(join(tree, 'etc/zypp/zypp.conf'), 'utf8'), /^solver\.onlyRequires = true$/m);
    assert.match(
      readFileSync(join(tree, 'etc/zypp/repos.d/repo-oss.repo'), 'utf8'),
      new RegExp(`^baseurl=dir://${mirror}/distribution/leap/16.0/repo/oss/x86_64/$`, 'm'),
    );
    assert.ok(existsSync(join(tree, 'usr/local/bin/install-packages')), "zypper's install-packages installed by install-bin");
    assert.match(r.stdout, /Build completed successfully/);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});
