/**
 * Planning a Red Hat family bootstrap: the build's settings (DIB_RELEASE, DIB_DISTRIBUTION_MIRROR,
 * DIB_YUM_REPO_CONF, ...) -> what to bootstrap (pure, but for reading the repo files the user
 * names), and that plan -> the generated .repo file, dnf.conf and the dnf argv (pure). The driver
 * (dnf.ts) only executes these.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, isAbsolute, join, resolve } from 'node:path';
import { KilnError } from '../errors.js';
import type { CommandError } from '../exec/runner.js';
import { resolveRpmArch, resolveRpmRelease, type RpmData } from './rpm-data.js';
import type { BootstrapSettings } from './types.js';

export interface DnfRepo {
  id: string;
  name: string;
  baseurl: string;
}

export interface DnfBootstrapPlan {
  /** centos, fedora, rocky, almalinux, rhel (the data file's name) */
  distro: string;
  /** DIB_RELEASE as given (9-stream) */
  release: string;
  /** dnf's $releasever (9) */
  releasever: string;
  /** the rpm database inside the tree */
  dbpath: string;
  /** the distro's architecture name (x86_64, aarch64) */
  arch: string;
  /** DIB_DISTRIBUTION_MIRROR, without a trailing slash; null when only repo files are used */
  mirror: string | null;
  /** the repositories under the mirror (empty without a mirror) */
  repos: DnfRepo[];
  /** the user's .repo files (DIB_YUM_REPO_CONF, then DIB_YUM_MINIMAL_BOOTSTRAP_REPOS/*.repo), absolute */
  repoFiles: string[];
  /** false only with DIB_DNF_NO_GPGCHECK=1 */
  gpgcheck: boolean;
  /** the keys that check the mirror's packages (absolute host paths) */
  gpgKeys: string[];
  /** sorted, unique */
  packages: string[];
  sourceDateEpoch: number | null;
}

export interface DnfRequest {
  plan: DnfBootstrapPlan;
  target: string;
  /** the generated dnf.conf (dnfConf) */
  config: string;
  /** a directory holding the generated .repo file and copies of the user's */
  reposdir: string;
  /** dnf's download cache, outside the tree */
  cachedir: string;
}

export function planDnfBootstrap(data: RpmData, arch: string, s: BootstrapSettings): DnfBootstrapPlan {
  const release = resolveRpmRelease(data, s.release || data.defaultRelease);
  const a = resolveRpmArch(data, arch);
  const repoFiles = userRepoFiles(s);
  const mirror = s.mirror ? s.mirror.replace(/\/+$/, '') : null;
  if (mirror && data.mirrorRepos.length === 0) {
    throw new KilnError(`${data.title} has no repository layout Kiln knows under a mirror`, {
      where: 'DIB_DISTRIBUTION_MIRROR',
      hint: `unset it and give the repositories as .repo files in DIB_YUM_REPO_CONF (see docs/distros/redhat.md)`,
    });
  }
  if (!mirror && repoFiles.length === 0) {
    const mirrorHint = data.mirrorRepos.length ? `set DIB_DISTRIBUTION_MIRROR to the URI of a ${data.title} mirror, or ` : '';
    throw new KilnError(`${data.name} needs package repositories: neither DIB_DISTRIBUTION_MIRROR nor DIB_YUM_REPO_CONF is set`, {
      where: data.mirrorRepos.length ? 'DIB_DISTRIBUTION_MIRROR' : 'DIB_YUM_REPO_CONF',
      hint: `${mirrorHint}list .repo files in DIB_YUM_REPO_CONF (see docs/distros/redhat.md); Kiln names no mirror host of its own`,
    });
  }
  const gpgcheck = !s.dnfNoGpgcheck;
  const gpgKeys = (s.dnfGpgKeys ?? []).map((k) => absolute(k));
  for (const k of gpgKeys) {
    if (!existsSync(k)) {
      throw new KilnError(`the GPG key ${k} does not exist`, {
        where: 'DIB_DNF_GPG_KEYS',
        hint: 'give the paths of the key files (ASCII-armoured or binary), space-separated',
      });
    }
  }
  if (mirror && gpgcheck && gpgKeys.length === 0) {
    throw new KilnError(`no GPG key to check the ${data.title} packages from DIB_DISTRIBUTION_MIRROR`, {
      where: 'DIB_DNF_GPG_KEYS',
      hint: `set DIB_DNF_GPG_KEYS to the ${data.title} release key files, or DIB_DNF_NO_GPGCHECK=1 to install unchecked packages`,
    });
  }
  const vars = { release: release.name, releasever: release.releasever, arch: a.name };
  const repos = mirror
    ? data.mirrorRepos.map((r) => ({
        id: `dib-mirror-${r.id}`,
        name: `${data.title} ${release.name} - ${r.name} (DIB_DISTRIBUTION_MIRROR)`,
        baseurl: `${mirror}/${subst(r.path, vars)}`,
      }))
    : [];
  const packages = new Set([
    ...data.packages,
    ...(data.kernel ? [data.kernel] : []),
    ...(data.releasePackages.get(release.aliasOf ?? release.name) ?? []),
    ...(s.yumBootstrapPackages ?? []),
  ]);
  return {
    distro: data.name,
    release: release.name,
    releasever: release.releasever,
    dbpath: release.dbpath,
    arch: a.name,
    mirror,
    repos,
    repoFiles,
    gpgcheck,
    gpgKeys,
    packages: [...packages].sort(),
    sourceDateEpoch: s.sourceDateEpoch ?? null,
  };
}

function subst(path: string, vars: Record<string, string>): string {
  return path.replace(/\{(\w+)\}/g, (m, k: string) => vars[k] ?? m);
}

function absolute(p: string): string {
  return isAbsolute(p) ? p : resolve(p);
}

/** DIB_YUM_REPO_CONF's files, then the .repo files of DIB_YUM_MINIMAL_BOOTSTRAP_REPOS; each must exist. */
function userRepoFiles(s: BootstrapSettings): string[] {
  const files: string[] = [];
  for (const f of s.yumRepoConf ?? []) {
    const p = absolute(f);
    if (!existsSync(p) || !statSync(p).isFile()) {
      throw new KilnError(`${f} is not a yum repo configuration file`, {
        where: 'DIB_YUM_REPO_CONF',
        hint: 'list the paths of .repo files, space-separated',
      });
    }
    files.push(p);
  }
  if (s.yumBootstrapRepos) {
    const dir = absolute(s.yumBootstrapRepos);
    if (!existsSync(dir) || !statSync(dir).isDirectory()) {
      throw new KilnError(`${s.yumBootstrapRepos} is not a directory`, { where: 'DIB_YUM_MINIMAL_BOOTSTRAP_REPOS', hint: 'give a directory of .repo files' });
    }
    files.push(
      ...readdirSync(dir)
        .filter((f) => f.endsWith('.repo'))
        .sort()
        .map((f) => join(dir, f)),
    );
  }
  const names = files.map((f) => basename(f));
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice) {
    throw new KilnError(`two repo files are named ${twice}`, {
      where: 'DIB_YUM_REPO_CONF',
      hint: 'dnf reads one directory of repo files: give each a different name',
    });
  }
  return files;
}

/** The .repo file of the mirror's repositories; `keyUrls` are the gpgkey= URLs (host or tree paths). */
export function renderMirrorRepo(plan: DnfBootstrapPlan, keyUrls: string[]): string {
  return plan.repos
    .map((r) =>
      [
        `[${r.id}]`,
        `name=${r.name}`,
        `baseurl=${r.baseurl}`,
        'enabled=1',
        `gpgcheck=${plan.gpgcheck ? 1 : 0}`,
        ...(plan.gpgcheck && keyUrls.length ? [`gpgkey=${keyUrls.join(' ')}`] : []),
        'skip_if_unavailable=False',
        '',
      ].join('\n'),
    )
    .join('\n');
}

/** The mirror's .repo file name, in the bootstrap's reposdir and in the tree (removed at the end of the build). */
export function mirrorRepoName(plan: DnfBootstrapPlan): string {
  return `dib-mirror-${plan.distro}.repo`;
}

/** Where the mirror's keys go in the tree (so that dnf in the tree checks with them too). */
export function treeKeyPath(plan: DnfBootstrapPlan, i: number): string {
  return `/etc/pki/rpm-gpg/dib-mirror-${plan.distro}-${i + 1}.key`;
}

/** dnf.conf of the bootstrap: nothing of the host's or the tree's configuration applies. */
export function dnfConf(plan: DnfBootstrapPlan): string {
  return [
    '[main]',
    `gpgcheck=${plan.gpgcheck ? 1 : 0}`,
    'installonly_limit=3',
    'clean_requirements_on_remove=True',
    'best=True',
    'skip_if_unavailable=False',
    'install_weak_deps=False',
    '',
  ].join('\n');
}

/** The rpm macros of the bootstrap (~/.rpmmacros of the dnf run): the release's database path, as DIB sets it. */
export function rpmMacros(plan: DnfBootstrapPlan): string {
  return `%_dbpath ${plan.dbpath}\n`;
}

export function planDnf(req: DnfRequest): string[] {
  const p = req.plan;
  return [
    'dnf',
    '-y',
    `--installroot=${req.target}`,
    `--releasever=${p.releasever}`,
    `--forcearch=${p.arch}`,
    `--config=${req.config}`,
    `--setopt=reposdir=${req.reposdir}`,
    `--setopt=cachedir=${req.cachedir}`,
    '--setopt=install_weak_deps=False',
    '--setopt=keepcache=False',
    '--disableexcludes=all',
    ...(p.gpgcheck ? [] : ['--nogpgcheck']),
    'install',
    ...p.packages,
  ];
}

/** dnf's failure as the user's problem: a missing package, a repository it cannot read, a failed signature check. */
export function explainDnfFailure(plan: DnfBootstrapPlan, e: CommandError): KilnError {
  const out = e.stderrTail;
  const detail = out
    ? `:\n${out
        .split('\n')
        .map((l) => `    ${l}`)
        .join('\n')}`
    : '';
  const what = `${plan.distro} ${plan.release} ${plan.arch}`;
  const repos = [...plan.repos.map((r) => r.baseurl), ...plan.repoFiles].join(', ');
  const where = plan.mirror ? 'DIB_DISTRIBUTION_MIRROR' : 'DIB_YUM_REPO_CONF';
  if (/GPG check FAILED|public key .* is not installed|not correct for this package/i.test(out)) {
    return new KilnError(`dnf: the ${what} packages failed their signature check${detail}`, {
      where: 'DIB_DNF_GPG_KEYS',
      hint: "give the repositories' release keys in DIB_DNF_GPG_KEYS (or the repo files' gpgkey=), or DIB_DNF_NO_GPGCHECK=1 to install unchecked packages",
      cause: e,
    });
  }
  if (/Failed to download metadata|Cannot download repomd\.xml|Curl error|Cannot find a valid baseurl/i.test(out)) {
    return new KilnError(`dnf could not read a repository of ${what} (${repos})${detail}`, {
      where,
      hint: 'check the URL and that it has the layout docs/distros/redhat.md gives for this distro and release (repodata/repomd.xml under each repository)',
      cause: e,
    });
  }
  if (/No match for argument|Unable to find a match|nothing provides|conflicting requests/i.test(out)) {
    return new KilnError(`dnf cannot install the ${what} package set from ${repos}${detail}`, {
      where,
      hint: 'a package (or what it requires) is not in the repositories: check DIB_RELEASE, the repositories and DIB_YUM_MINIMAL_BOOTSTRAP_PACKAGES',
      cause: e,
    });
  }
  return e;
}
