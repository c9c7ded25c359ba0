/**
 * A fixture RPM repository for the zypper tests: tiny noarch packages built with rpmbuild (files,
 * Requires, Provides, Recommends, an optional %post), indexed with createrepo_c, and, when asked, the
 * repository metadata signed with a GPG key the fixture makes (repomd.xml.asc, and the key as
 * repomd.xml.key, where zypper --gpg-auto-import-keys finds it). The tools are required (CI has them).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { findTool } from './host-tools.js';

export interface FixtureRpm {
  name: string;
  version?: string;
  requires?: string[];
  provides?: string[];
  recommends?: string[];
  /** tree path -> content */
  files?: Record<string, string>;
  /** tree path -> a host file copied there (mode 0755) */
  copy?: Record<string, string>;
  /** tree path -> symlink target */
  symlinks?: Record<string, string>;
  /** a %post scriptlet (/bin/sh): it runs chrooted into the tree */
  post?: string;
}

export interface FixtureRepo {
  /** the repository directory (repodata/ and the .rpm files) */
  dir: string;
  /** dir:// URL for zypper */
  url: string;
  /** the signing key's fingerprint, when signed */
  fingerprint?: string;
}

const TOOLS = ['rpmbuild', 'createrepo_c', 'gpg'];

/** The tools this fixture needs that are missing (CI has them: the tests fail rather than skip there). */
export function missingRpmFixtureTools(): string[] {
  return TOOLS.filter((t) => !findTool(t));
}

function spec(p: FixtureRpm): string {
  const files = Object.entries(p.files ?? {});
  const copies = Object.entries(p.copy ?? {});
  const links = Object.entries(p.symlinks ?? {});
  const lines = [
    `Name: ${p.name}`,
    `Version: ${p.version ?? '1.0'}`,
    'Release: 1',
    `Summary: Kiln fixture package ${p.name}`,
    'License: Apache-2.0',
    'BuildArch: noarch',
    // only the dependencies the fixture declares (not the ELF ones of a copied host binary)
    'AutoReqProv: no',
    ...(p.requires ?? []).map((r) => `Requires: ${r}`),
    ...(p.provides ?? []).map((r) => `Provides: ${r}`),
    ...(p.recommends ?? []).map((r) => `Recommends: ${r}`),
    '%description',
    `Kiln fixture package ${p.name}.`,
    '%install',
    ...files.flatMap(([path, text]) => [
      `mkdir -p "%{buildroot}$(dirname '${path}')"`,
      `printf '%s' '${Buffer.from(text).toString('base64')}' | base64 -d > "%{buildroot}${path}"`,
    ]),
    ...copies.map(([path, host]) => `install -D -m 0755 '${host}' "%{buildroot}${path}"`),
    ...links.flatMap(([path, target]) => [`mkdir -p "%{buildroot}$(dirname '${path}')"`, `ln -s '${target}' "%{buildroot}${path}"`]),
    ...(p.post ? ['%post', p.post] : []),
    '%files',
    ...[...files, ...copies, ...links].map(([path]) => path),
    '',
  ];
  return lines.join('\n');
}

/** Build the packages into `dir`/repo and index it; sign the metadata when `sign`. */
export function buildRpmRepo(dir: string, packages: FixtureRpm[], opts: { sign?: boolean } = {}): FixtureRepo {
  const missing = missingRpmFixtureTools();
  if (missing.length) throw new Error(`the RPM fixture needs ${missing.join(', ')} (scripts/setup installs them)`);
  const top = join(dir, 'rpmbuild');
  const repo = join(dir, 'repo');
  mkdirSync(join(top, 'SPECS'), { recursive: true });
  mkdirSync(repo, { recursive: true });
  for (const p of packages) {
    const file = join(top, 'SPECS', `${p.name}.spec`);
    writeFileSync(file, spec(p));
    // --nodeps: the host's rpm database (Debian's is empty) has no build dependencies to check;
    // a noarch package may carry the host's busybox (the fixture's /bin/sh)
    const defines = { _topdir: top, _rpmdir: repo, _binaries_in_noarch_packages_terminate_build: '0' };
    execFileSync('rpmbuild', [...Object.entries(defines).flatMap(([k, v]) => ['--define', `${k} ${v}`]), '--nodeps', '-bb', file], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
  }
  execFileSync('createrepo_c', ['-q', repo], { stdio: ['ignore', 'ignore', 'pipe'] });
  const out: FixtureRepo = { dir: repo, url: `dir://${repo}` };
  if (opts.sign) {
    const gnupg = join(dir, 'gnupg');
    mkdirSync(gnupg, { mode: 0o700 });
    const env = { ...process.env, GNUPGHOME: gnupg };
    execFileSync(
      'gpg',
      ['-q', '--batch', '--passphrase', '', '--quick-gen-key', 'Kiln zypper fixture <zypper-fixture@kiln.invalid>', 'rsa2048', 'sign', 'never'],
      {
        env,
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    const repomd = join(repo, 'repodata/repomd.xml');
    execFileSync('gpg', ['-q', '--batch', '--yes', '--armor', '--detach-sign', '-o', `${repomd}.asc`, repomd], { env });
    writeFileSync(`${repomd}.key`, execFileSync('gpg', ['--armor', '--export'], { env }));
    const colons = execFileSync('gpg', ['--with-colons', '--list-keys'], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    out.fingerprint = /^fpr:+([0-9A-F]+):/m.exec(colons)?.[1];
  }
  return out;
}

/** The .rpm files of a fixture repository (rpmbuild puts them in noarch/). */
export function rpmFiles(repo: FixtureRepo): string[] {
  return readdirSync(join(repo.dir, 'noarch')).filter((f) => f.endsWith('.rpm'));
}
