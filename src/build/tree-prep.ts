/**
 * What DIB does to the tree around the hook phases (create_base / finalise_base, dib-compat 1.2):
 * check that root.d produced a tree, give it the host's resolv.conf for the in-target phases, and
 * at the end restore resolv.conf, empty /tmp, truncate /var/log files and remove /root/*.log.
 */
import { copyFileSync, existsSync, lstatSync, readdirSync, renameSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HOST_APT_CONF } from '../distros/host-apt.js';
import { KilnError } from '../errors.js';
import { assertNoMountsUnder } from '../sandbox/mounts.js';

export function checkTreeDeployed(tree: string): void {
  const entries = readdirSync(tree).filter((e) => e !== 'lost+found' && e !== 'tmp');
  if (entries.length === 0) {
    throw new KilnError('Failed to deploy the root element: root.d left the tree empty', {
      hint: 'include an operating-system element that creates the root tree (e.g. debian-minimal, busybox-minimal)',
    });
  }
}

const RESOLV = 'etc/resolv.conf';

export function installHostResolvConf(tree: string, hostResolv = '/etc/resolv.conf'): void {
  const target = join(tree, RESOLV);
  if (!existsSync(join(tree, 'etc'))) return;
  if (exists(target) && !exists(`${target}.ORIG`)) renameSync(target, `${target}.ORIG`);
  else if (exists(target)) rmSync(target, { force: true });
  if (existsSync(hostResolv)) copyFileSync(hostResolv, target);
}

export function restoreResolvConf(tree: string): void {
  const target = join(tree, RESOLV);
  if (!existsSync(join(tree, 'etc'))) return;
  // DIB keeps a resolv.conf that a hook replaced with a symlink.
  if (exists(target) && lstatSync(target).isSymbolicLink()) {
    rmSync(`${target}.ORIG`, { force: true });
    return;
  }
  rmSync(target, { force: true });
  if (exists(`${target}.ORIG`)) renameSync(`${target}.ORIG`, target);
}

/** The host's apt acquire settings, for the hooks' apt during the build (src/distros/host-apt.ts). */
export function installHostAptConf(tree: string, lines: string[]): void {
  const dir = join(tree, 'etc/apt/apt.conf.d');
  if (lines.length === 0 || !existsSync(dir)) return;
  writeFileSync(join(tree, HOST_APT_CONF), `// Kiln: the build host's apt settings, removed when the build ends\n${lines.join('\n')}\n`);
}

export function finaliseBase(tree: string): void {
  rmSync(join(tree, HOST_APT_CONF), { force: true });
  restoreResolvConf(tree);
  const tmp = join(tree, 'tmp');
  if (existsSync(tmp)) {
    assertNoMountsUnder(tmp, `the tree's /tmp contents`); // rmSync would delete through a mount point
    for (const e of readdirSync(tmp)) rmSync(join(tmp, e), { recursive: true, force: true });
  }
  truncateLogs(join(tree, 'var/log'));
  const rootHome = join(tree, 'root');
  if (existsSync(rootHome)) for (const e of readdirSync(rootHome)) if (e.endsWith('.log')) rmSync(join(rootHome, e), { force: true });
}

function truncateLogs(dir: string): void {
  if (!existsSync(dir)) return;
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    const st = lstatSync(p);
    if (st.isDirectory()) truncateLogs(p);
    else if (st.isFile() && statSync(p).size > 0) truncateSync(p, 0);
  }
}

function exists(p: string): boolean {
  try {
    lstatSync(p);
    return true;
  } catch {
    return false;
  }
}
