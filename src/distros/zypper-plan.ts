/**
 * Planning a zypper bootstrap: the build's settings (DIB_RELEASE, DIB_DISTRIBUTION_MIRROR,
 * DIB_ZYPPER_REPOS, ...) -> what to bootstrap (pure), and that plan -> the repo files and the
 * `zypper --root` argv (pure). The driver (zypper.ts) only executes these.
 */
import { KilnError } from '../errors.js';
import type { BootstrapSettings } from './types.js';
import { resolveZypperArch, resolveZypperRelease, type ZypperData } from './zypper-data.js';

export interface ZypperRepo {
  /** the alias: the repo file is <name>.repo */
  name: string;
  url: string;
  refresh: boolean;
}

export interface ZypperBootstrapPlan {
  /** opensuse (the data file's name) */
  distro: string;
  /** the release's name in the data (15.6, 16.0, tumbleweed) */
  release: string;
  version: string;
  /** RPM architecture (x86_64, aarch64) */
  arch: string;
  repos: ZypperRepo[];
  /** sorted, unique */
  packages: string[];
  /** the tree's rpm database directory (rpm's %_dbpath for the bootstrap) */
  rpmDbPath: string;
  /** false: zypper --no-gpg-checks (KILN_ZYPPER_NO_GPG_CHECKS=1); true: keys imported, signatures checked */
  gpgChecks: boolean;
}

export function planZypperBootstrap(data: ZypperData, arch: string, s: BootstrapSettings): ZypperBootstrapPlan {
  const release = resolveZypperRelease(data, s.release || data.defaultRelease);
  const a = resolveZypperArch(data, arch);
  const userRepos = parseZypperRepos(s.zypperRepos ?? '', release.name);
  let repos: ZypperRepo[];
  if (userRepos.length > 0) repos = userRepos;
  else {
    const mirror = s.mirror || null;
    if (!mirror) {
      throw new KilnError(`${data.name} needs a package mirror: DIB_DISTRIBUTION_MIRROR is not set`, {
        where: 'DIB_DISTRIBUTION_MIRROR',
        hint: `set it to the root of an ${data.name} download tree (the release's repositories are paths under it), or set DIB_ZYPPER_REPOS (see docs/distros/${data.name}.md); Kiln names no mirror host of its own`,
      });
    }
    repos = release.repos
      .filter((r) => r.arches === null || r.arches.includes(a.name))
      .map((r) => ({ name: r.name, url: joinUrl(mirrorUrl(mirror), (r.archPath.get(a.name) ?? r.path).replaceAll('{arch}', a.name)), refresh: r.refresh }));
  }
  const packages = new Set([...data.packages, ...(a.kernel ? [a.kernel] : []), ...(data.releasePackages.get(release.name) ?? [])]);
  return {
    distro: data.name,
    release: release.name,
    version: release.version,
    arch: a.name,
    repos,
    packages: [...packages].sort(),
    rpmDbPath: data.rpmDbPath,
    gpgChecks: !s.zypperNoGpgChecks,
  };
}

/**
 * DIB_ZYPPER_REPOS: "NAME=>URL" words; the alias is repo-NAME and, as in DIB's zypper-minimal, only
 * repo-update (or every repository of Tumbleweed) refreshes automatically.
 */
export function parseZypperRepos(text: string, release: string): ZypperRepo[] {
  const repos: ZypperRepo[] = [];
  for (const word of text.split(/\s+/).filter(Boolean)) {
    const i = word.indexOf('=>');
    const name = i > 0 ? word.slice(0, i) : '';
    const url = i > 0 ? word.slice(i + 2) : '';
    if (!/^[A-Za-z0-9._-]+$/.test(name) || !url) {
      throw new KilnError(`DIB_ZYPPER_REPOS: '${word}' is not NAME=>URL`, {
        where: 'DIB_ZYPPER_REPOS',
        hint: 'give space-separated NAME=>URL pairs, e.g. "oss=>http://mirror.example/distribution/leap/16.0/repo/oss/x86_64/"',
      });
    }
    const alias = `repo-${name}`;
    if (repos.some((r) => r.name === alias)) {
      throw new KilnError(`DIB_ZYPPER_REPOS names '${name}' twice`, { where: 'DIB_ZYPPER_REPOS', hint: 'give each repository one name' });
    }
    repos.push({ name: alias, url: mirrorUrl(url), refresh: release === 'tumbleweed' || alias === 'repo-update' });
  }
  return repos;
}

/** A mirror given as an absolute path is a local directory (zypper's dir:// scheme). */
function mirrorUrl(m: string): string {
  if (m.startsWith('/')) return `dir://${m}`;
  if (!/^[a-z][a-z0-9+.-]*:/i.test(m)) {
    throw new KilnError(`'${m}' is not a URL or an absolute path`, {
      where: 'DIB_DISTRIBUTION_MIRROR',
      hint: 'give a URL (http://, https://, ftp://, file://, dir://) or an absolute directory',
    });
  }
  return m;
}

function joinUrl(base: string, path: string): string {
  return `${base.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
}

/** One repo file of /etc/zypp/repos.d (libzypp's .repo format: an INI section per repository). */
export function formatRepoFile(r: ZypperRepo): string {
  return [
    `[${r.name}]`,
    `name=${r.name}`,
    'enabled=1',
    `autorefresh=${r.refresh ? 1 : 0}`,
    `baseurl=${r.url}`,
    'type=rpm-md',
    'gpgcheck=1',
    'keeppackages=0',
    '',
  ].join('\n');
}

/** The repo files, by file name: the bootstrap reads them from a private directory, the tree gets the same. */
export function planRepoFiles(plan: ZypperBootstrapPlan): Map<string, string> {
  return new Map(plan.repos.map((r) => [`${r.name}.repo`, formatRepoFile(r)]));
}

/** The bootstrap's private directory: repo files, zypper's caches, its lock, log and configuration. */
export interface ZypperPrivateDir {
  /** --reposd-dir: the repo files, nothing of the host's or the tree's */
  reposDir: string;
  /** --raw-cache-dir, --pkg-cache-dir: downloaded metadata and packages (the solv cache is the tree's /var/cache/zypp/solv) */
  rawCacheDir: string;
  pkgCacheDir: string;
  /** HOME of zypper: its .rpmmacros gives rpm the tree's %_dbpath */
  home: string;
  /** ZYPP_CONF: an empty zypp.conf, so the host's does not change the tree */
  zyppConf: string;
  /** ZYPP_LOCKFILE_ROOT: the lock (run/zypp.pid) is the build's own, not the host's */
  lockRoot: string;
  /** ZYPP_LOGFILE */
  logFile: string;
}

export function privateDirLayout(dir: string): ZypperPrivateDir {
  return {
    reposDir: `${dir}/repos.d`,
    rawCacheDir: `${dir}/cache/raw`,
    pkgCacheDir: `${dir}/cache/packages`,
    home: `${dir}/home`,
    zyppConf: `${dir}/zypp.conf`,
    lockRoot: `${dir}/lock`,
    logFile: `${dir}/zypper.log`,
  };
}

/** ~/.rpmmacros for the host's rpm that zypper drives: the database goes where the tree's rpm looks for it. */
export function planRpmMacros(plan: ZypperBootstrapPlan): string {
  return `%_dbpath ${plan.rpmDbPath}\n`;
}

/** The environment zypper runs with (libzypp reads these). */
export function planZypperEnv(d: ZypperPrivateDir): Record<string, string> {
  return { HOME: d.home, ZYPP_CONF: d.zyppConf, ZYPP_LOCKFILE_ROOT: d.lockRoot, ZYPP_LOGFILE: d.logFile };
}

export function planZypperInstall(plan: ZypperBootstrapPlan, root: string, d: ZypperPrivateDir): string[] {
  return [
    'zypper',
    '--non-interactive',
    '--root',
    root,
    '--reposd-dir',
    d.reposDir,
    '--raw-cache-dir',
    d.rawCacheDir,
    '--pkg-cache-dir',
    d.pkgCacheDir,
    // the repositories' keys are imported on first use (as DIB's zypper-minimal does), and the
    // metadata and packages are checked against them; only the user turns the checks off
    plan.gpgChecks ? '--gpg-auto-import-keys' : '--no-gpg-checks',
    'install',
    '--no-recommends',
    ...plan.packages,
  ];
}
