/**
 * A fixture RPM repository for the rpm-family tests (dnf, zypper): tiny packages built here with
 * rpmbuild (from a spec this helper writes: Provides, Requires, Recommends, files, directories,
 * symlinks and a %post scriptlet), indexed with createrepo_c, to be used as a file:// (dnf) or
 * dir:// (zypper) baseurl. Offline. The packages are noarch unless `arch` is given; nothing of the
 * host is packaged unless a package's `copy` names a host file (e.g. a static busybox as /bin/sh,
 * so scriptlets can run). A key from makeSigningKey signs the packages (rpmsign: what dnf checks)
 * or the repository metadata (repomd.xml.asc, with the key as repomd.xml.key, where zypper
 * --gpg-auto-import-keys finds it). The tools are required (CI has them).
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { findTool } from './host-tools.js';

/** The tools the fixture repositories and keys need. */
const TOOLS = ['rpmbuild', 'createrepo_c', 'gpg'];

/** The tools this fixture needs that are missing (CI has them: the tests fail rather than skip there). */
export function missingRpmFixtureTools(): string[] {
  return TOOLS.filter((t) => !findTool(t));
}

export interface FixtureRpm {
  name: string;
  version?: string;
  release?: string;
  summary?: string;
  arch?: string;
  provides?: string[];
  requires?: string[];
  /** weak dependencies (Recommends:) */
  recommends?: string[];
  /** Requires(post): what the %post scriptlet needs installed first */
  requiresPost?: string[];
  /** files to create: path in the tree -> content (mode 0755 when it starts with #!, else 0644) */
  files?: Record<string, string>;
  /** host files to package: path in the tree -> host path (mode kept) */
  copy?: Record<string, string>;
  /** symlinks: path in the tree -> link target */
  symlinks?: Record<string, string>;
  /** directories the package owns */
  dirs?: string[];
  /** the body of %post (run by /bin/sh in the tree) */
  post?: string;
}

/** The spec file of one package (pure: the golden form the tests can read). */
export function fixtureSpec(p: FixtureRpm): string {
  const q = (s: string): string => (/[\s"]/.test(s) ? `"${s}"` : s);
  const files = [
    ...(p.dirs ?? []).map((d) => `%dir ${q(d)}`),
    ...Object.keys(p.files ?? {}).map(q),
    ...Object.keys(p.copy ?? {}).map(q),
    ...Object.keys(p.symlinks ?? {}).map(q),
  ];
  const install: string[] = [];
  for (const d of p.dirs ?? []) install.push(`mkdir -p "%{buildroot}${d}"`);
  let n = 0;
  for (const [path, content] of Object.entries(p.files ?? {})) {
    // a script (#!) is executable, anything else 0644
    const mode = content.startsWith('#!') ? '0755' : '0644';
    install.push(`mkdir -p "$(dirname "%{buildroot}${path}")"`, `install -m ${mode} "%{_sourcedir}/file-${n++}" "%{buildroot}${path}"`);
  }
  for (const [path, host] of Object.entries(p.copy ?? {})) install.push(`mkdir -p "$(dirname "%{buildroot}${path}")"`, `cp -p "${host}" "%{buildroot}${path}"`);
  for (const [path, target] of Object.entries(p.symlinks ?? {}))
    install.push(`mkdir -p "$(dirname "%{buildroot}${path}")"`, `ln -s "${target}" "%{buildroot}${path}"`);
  return [
    `Name: ${p.name}`,
    `Version: ${p.version ?? '1.0'}`,
    `Release: ${p.release ?? '1'}`,
    `Summary: ${p.summary ?? `Kiln test fixture ${p.name}`}`,
    'License: MIT',
    `BuildArch: ${p.arch ?? 'noarch'}`,
    // the fixture's dependencies are exactly the ones written here
    'AutoReqProv: no',
    ...(p.provides ?? []).map((x) => `Provides: ${x}`),
    ...(p.requires ?? []).map((x) => `Requires: ${x}`),
    ...(p.recommends ?? []).map((x) => `Recommends: ${x}`),
    ...(p.requiresPost ?? []).map((x) => `Requires(post): ${x}`),
    '',
    '%description',
    `Kiln test fixture package ${p.name}.`,
    '',
    '%install',
    'rm -rf %{buildroot}',
    'mkdir -p %{buildroot}',
    ...install,
    '',
    ...(p.post !== undefined ? ['%post', p.post, ''] : []),
    '%files',
    ...files,
    '',
  ].join('\n');
}

function run(cmd: string, args: string[], env?: NodeJS.ProcessEnv): void {
  try {
    execFileSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], ...(env ? { env } : {}) });
  } catch (e) {
    throw new Error(`${cmd} failed: ${String((e as { stderr?: Buffer }).stderr ?? e)}`);
  }
}

export interface RpmRepoOptions {
  /** sign the packages with this key (rpmsign) */
  sign?: SigningKey;
  /** sign the repository metadata with this key (repodata/repomd.xml.asc and repomd.xml.key) */
  signRepodata?: SigningKey;
  /** rpmbuild's work directory (removed at the end); default `dir`/.rpmbuild */
  work?: string;
}

/** Build the packages into `dir` (its <arch>/*.rpm and repodata); returns the repository directory. */
export function buildRpmRepo(dir: string, packages: FixtureRpm[], opts: RpmRepoOptions = {}): string {
  const missing = ['rpmbuild', 'createrepo_c', ...(opts.sign ? ['rpmsign'] : [])].filter((t) => !findTool(t));
  if (missing.length) throw new Error(`the RPM fixture needs ${missing.join(', ')} (scripts/setup installs them)`);
  const work = opts.work ?? join(dir, '.rpmbuild');
  mkdirSync(dir, { recursive: true });
  for (const p of packages) {
    const top = join(work, p.name);
    const sources = join(top, 'SOURCES');
    mkdirSync(sources, { recursive: true });
    for (const [i, content] of Object.values(p.files ?? {}).entries()) writeFileSync(join(sources, `file-${i}`), content);
    const spec = join(top, `${p.name}.spec`);
    writeFileSync(spec, fixtureSpec(p));
    run(
      'rpmbuild',
      [
        '-bb',
        '--define',
        `_topdir ${top}`,
        '--define',
        `_rpmdir ${dir}`,
        '--define',
        '_build_id_links none',
        '--define',
        'debug_package %{nil}',
        '--define',
        '__strip /bin/true',
        // a noarch package may carry a host binary (a busybox as the fixture's /bin/sh)
        '--define',
        '_binaries_in_noarch_packages_terminate_build 0',
        // Debian's rpm keeps its database under $HOME; a build needs none
        '--define',
        `_dbpath ${join(top, 'db')}`,
        '--quiet',
        spec,
      ],
      { ...process.env, HOME: top, LC_ALL: 'C' },
    );
  }
  execFileSync('rm', ['-rf', work]);
  if (opts.sign && packages.length > 0) {
    const rpms = execFileSync('find', [dir, '-name', '*.rpm'], { encoding: 'utf8' }).split('\n').filter(Boolean);
    const gpg = findTool('gpg');
    if (!gpg) throw new Error('gpg is not installed: cannot sign the fixture packages');
    run('rpmsign', ['--define', `__gpg ${gpg}`, '--define', `_gpg_name ${opts.sign.name}`, '--define', `_gpg_path ${opts.sign.gnupg}`, '--addsign', ...rpms], {
      ...process.env,
      GNUPGHOME: opts.sign.gnupg,
    });
  }
  run('createrepo_c', ['--quiet', dir]);
  if (opts.signRepodata) {
    const key = opts.signRepodata;
    const repomd = join(dir, 'repodata/repomd.xml');
    run('gpg', ['-q', '--batch', '--yes', '--local-user', key.name, '--armor', '--detach-sign', '-o', `${repomd}.asc`, repomd], {
      ...process.env,
      GNUPGHOME: key.gnupg,
    });
    copyFileSync(key.publicKey, `${repomd}.key`);
  }
  return dir;
}

export interface SigningKey {
  gnupg: string;
  /** the key's user id (rpmsign's _gpg_name) */
  name: string;
  /** the public key's file, ASCII-armoured (what gpgkey= points at) */
  publicKey: string;
  /** the key's fingerprint (upper-case hex) */
  fingerprint: string;
}

/** A new passphrase-less RSA signing key in `dir` (rpm's OpenPGP checks take RSA). */
export function makeSigningKey(dir: string, name = 'Kiln fixture <fixture@kiln.invalid>'): SigningKey {
  const gnupg = join(dir, 'gnupg');
  mkdirSync(gnupg, { recursive: true, mode: 0o700 });
  const env = { ...process.env, GNUPGHOME: gnupg };
  execFileSync('gpg', ['-q', '--batch', '--passphrase', '', '--quick-gen-key', name, 'rsa2048', 'sign', 'never'], { env, stdio: 'ignore' });
  const publicKey = join(dir, 'RPM-GPG-KEY-fixture');
  writeFileSync(publicKey, execFileSync('gpg', ['--armor', '--export', name], { env }));
  const colons = execFileSync('gpg', ['--with-colons', '--list-keys', name], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const fingerprint = /^fpr:+([0-9A-F]+):/m.exec(colons)?.[1];
  if (!fingerprint) throw new Error(`gpg listed no fingerprint for ${name}`);
  return { gnupg, name, publicKey, fingerprint };
}

/** A package set that makes a tree where rpm scriptlets can run: /bin/sh (the host's static busybox), a filesystem and a setup-like package. */
export function baseFixturePackages(busybox: string, rpmArch: string): FixtureRpm[] {
  return [
    {
      name: 'filesystem',
      version: '3.18',
      dirs: ['/etc', '/usr', '/usr/bin', '/var', '/var/lib', '/tmp', '/root'],
      symlinks: { '/bin': 'usr/bin' },
    },
    {
      name: 'fixture-sh',
      arch: rpmArch,
      requires: ['filesystem'],
      provides: ['/bin/sh'],
      copy: { '/usr/bin/busybox': busybox },
      symlinks: { '/usr/bin/sh': 'busybox', '/usr/bin/echo': 'busybox', '/usr/bin/cat': 'busybox' },
    },
    {
      name: 'setup',
      version: '2.14',
      requires: ['filesystem'],
      requiresPost: ['/bin/sh'],
      files: { '/etc/passwd': 'root:x:0:0:root:/root:/bin/sh\n', '/etc/group': 'root:x:0:\n', '/etc/os-release': 'ID=fixture\nNAME="Kiln fixture"\n' },
      post: 'echo "setup %post ran with $1" > /var/lib/setup-post',
    },
  ];
}
