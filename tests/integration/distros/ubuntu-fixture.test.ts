/**
 * The ubuntu driver against a fixture apt archive in Ubuntu's layout, built by this test: suites
 * noble, noble-updates and noble-security with components main and universe, signed with a GPG
 * key the test makes. The packages are the host archive's Essential set (downloaded once with
 * apt-get into the test cache, KILN_TEST_CACHE or ~/.cache/kiln-tests); the data file
 * (KILN_DISTRO_DATA_DIR) is Kiln's ubuntu.yaml with the variant essential and no package set, so
 * that it stays small. Offline once the cache is filled. Run under flock /work/debian.lock.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { NO_FLAGS, readSettings } from '../../../src/config/read-settings.js';
import { DISTROS_DIR } from '../../../src/distros/debian-data.js';
import { distroDriver } from '../../../src/distros/index.js';
import { Runner } from '../../../src/exec/runner.js';
import { MemoryLogger } from '../../../src/log.js';
import { currentIdentity } from '../../../src/sandbox/identity.js';
import { findTool } from '../../helpers/host-tools.js';

const identity = currentIdentity();
const skip = !identity.privileged && process.env.CI !== 'true' ? 'needs root (or CI)' : false;
const SUITES = ['noble', 'noble-updates', 'noble-security'];

function debCache(): string {
  const dir = join(process.env.KILN_TEST_CACHE ?? join(homedir(), '.cache/kiln-tests'), 'ubuntu-fixture-debs');
  if (existsSync(dir) && readdirSync(dir).some((f) => f.endsWith('.deb'))) return dir;
  mkdirSync(join(dir, 'partial'), { recursive: true });
  const avail = execFileSync('apt-cache', ['dumpavail'], { encoding: 'utf8', maxBuffer: 1 << 30 });
  const essential = [...avail.matchAll(/^Package: (\S+)\n(?:.+\n)*?Essential: yes$/gm)].map((m) => m[1]!);
  execFileSync(
    'apt-get',
    [
      '-q',
      '-o',
      'Dir::State::status=/dev/null',
      '-o',
      `Dir::Cache::archives=${dir}`,
      '-o',
      'APT::Install-Recommends=false',
      '--download-only',
      'install',
      '-y',
      ...new Set(essential),
    ],
    { stdio: 'ignore' },
  );
  return dir;
}

function buildArchive(work: string, debs: string): { mirror: string; keyring: string } {
  const a = join(work, 'archive');
  mkdirSync(join(a, 'pool/main'), { recursive: true });
  for (const f of readdirSync(debs).filter((f) => f.endsWith('.deb'))) execFileSync('cp', [join(debs, f), join(a, 'pool/main', f)]);
  for (const s of SUITES) for (const c of ['main', 'universe']) mkdirSync(join(a, 'dists', s, c, 'binary-amd64'), { recursive: true });
  writeFileSync(join(a, 'dists/noble/main/binary-amd64/Packages'), execFileSync('apt-ftparchive', ['packages', 'pool/main'], { cwd: a, maxBuffer: 1 << 28 }));
  const gnupg = join(work, 'gnupg');
  mkdirSync(gnupg, { mode: 0o700 });
  const env = { ...process.env, GNUPGHOME: gnupg };
  execFileSync('gpg', ['-q', '--batch', '--passphrase', '', '--quick-gen-key', 'Kiln fixture <fixture@kiln.invalid>', 'ed25519', 'sign', 'never'], { env });
  for (const s of SUITES) {
    for (const c of ['main', 'universe']) {
      const p = join(a, 'dists', s, c, 'binary-amd64/Packages');
      if (!existsSync(p)) writeFileSync(p, '');
    }
    const opts = [`Suite=${s}`, `Codename=${s}`, 'Architectures=amd64', 'Components=main universe', 'Origin=Ubuntu'].flatMap((o) => [
      '-o',
      `APT::FTPArchive::Release::${o}`,
    ]);
    writeFileSync(join(work, 'Release'), execFileSync('apt-ftparchive', [...opts, 'release', join('dists', s)], { cwd: a }));
    execFileSync('cp', [join(work, 'Release'), join(a, 'dists', s, 'Release')]);
    execFileSync('gpg', ['-q', '--batch', '--yes', '--clearsign', '-o', join(a, 'dists', s, 'InRelease'), join(a, 'dists', s, 'Release')], { env });
  }
  const keyring = join(work, 'fixture.gpg');
  writeFileSync(keyring, execFileSync('gpg', ['--export'], { env }));
  // copy://: mmdebstrap copies the packages into its tree (file:// is not reachable from the chroot)
  return { mirror: `copy://${a}`, keyring };
}

test("ubuntu driver: bootstraps from a signed fixture archive in Ubuntu's layout (noble, main+universe, -updates, -security)", {
  skip: skip || (!findTool('apt-ftparchive') ? 'apt-ftparchive (apt-utils) is not installed' : false),
  timeout: 10 * 60_000,
}, async () => {
  const work = mkdtempSync(join(tmpdir(), 'kiln-ubuntu-fixture-'));
  try {
    const { mirror, keyring } = buildArchive(work, debCache());
    const dataDir = join(work, 'data');
    mkdirSync(dataDir);
    const ours = readFileSync(join(DISTROS_DIR, 'ubuntu.yaml'), 'utf8');
    writeFileSync(
      join(dataDir, 'ubuntu.yaml'),
      ours
        .replace('variant: minbase', 'variant: essential')
        .replaceAll('kernel: linux-image-virtual', 'kernel: null')
        .replace(/^packages:\n(?: {2}- .*\n)+/m, 'packages: []\n'),
    );
    const target = join(work, 'tree');
    mkdirSync(target);
    const log = new MemoryLogger();
    const env = { KILN_DISTRO_DATA_DIR: dataDir, DIB_DISTRIBUTION_MIRROR: mirror, DIB_APT_KEYRING: keyring };
    await distroDriver('ubuntu').bootstrap({
      arch: 'amd64',
      settings: readSettings(env, NO_FLAGS, 'bootstrap'),
      cacheDir: join(work, 'cache'),
      useCache: true,
      offline: false,
      target,
      runner: new Runner(log),
      log,
      identity,
    });
    const sources = readFileSync(join(target, 'etc/apt/sources.list'), 'utf8');
    for (const s of SUITES) assert.match(sources, new RegExp(`^deb ${mirror} ${s} main universe$`, 'm'));
    assert.ok(existsSync(join(target, 'usr/bin/dpkg')), 'dpkg installed');
    const status = readFileSync(join(target, 'var/lib/dpkg/status'), 'utf8');
    assert.match(status, /^Package: base-files$/m);
    const lists = readdirSync(join(target, 'var/lib/apt/lists'));
    assert.ok(
      lists.some((f) => f.endsWith('_dists_noble_InRelease')),
      lists.join(' '),
    );
    assert.ok(
      lists.some((f) => f.endsWith('_dists_noble-security_InRelease')),
      lists.join(' '),
    );
    assert.match(readFileSync(join(target, 'usr/sbin/update-initramfs'), 'utf8'), /Kiln/);
    assert.match(log.lines.map((l) => l.msg).join('\n'), /ubuntu noble amd64 with mmdebstrap/);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});
