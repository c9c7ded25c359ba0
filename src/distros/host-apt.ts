/**
 * The host's apt settings that decide whether an archive can be reached at all: proxies, and the
 * Release-file date checks (a snapshot mirror's Release files are expired by design). They are
 * used for the build only, like the host's resolv.conf: never left in the image.
 */
import { spawnSync } from 'node:child_process';
import type { Runner } from '../exec/runner.js';

const KEYS = /^Acquire::(Check-Valid-Until|Check-Date|https?::Proxy(::[^ ]+)?|ftp::Proxy) /;

/** Lines of `apt-config dump` that Kiln carries into the build. */
export function parseHostAptConfig(dump: string): string[] {
  return dump
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => KEYS.test(l));
}

export async function hostAptConfig(runner: Runner): Promise<string[]> {
  try {
    return parseHostAptConfig((await runner.run('apt-config', ['dump'])).stdout);
  } catch {
    return []; // not a Debian-family host: nothing to carry
  }
}

/** The tree file that holds them during the build. */
export const HOST_APT_CONF = 'etc/apt/apt.conf.d/00kiln-host';

/** mmdebstrap arguments: the settings for the bootstrap, and a hook that keeps them out of its tarball. */
export function mmdebstrapHostAptArgs(lines: string[]): string[] {
  if (lines.length === 0) return [];
  const keys = lines.map((l) => l.split(' ')[0]!.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'));
  return [...lines.map((l) => `--aptopt=${l}`), `--customize-hook=sed -i -E '/^(${keys.join('|')}) /d' "$1/etc/apt/apt.conf.d/99mmdebstrap"`];
}

/**
 * The Debian security archive of the host's apt configuration (the REPO_URI of a `*-security`
 * Packages index), as `apt-get indextargets` prints it; undefined when there is none or no apt.
 */
export function parseSecurityArchive(indextargets: string): string | undefined {
  for (const line of indextargets.split('\n')) {
    const [uri, release] = line.trim().split(/\s+/);
    if (uri && release?.endsWith('-security')) return uri.replace(/\/+$/, '');
  }
  return undefined;
}

export function hostSecurityArchive(): string | undefined {
  const r = spawnSync('apt-get', ['indextargets', '--format', '$(REPO_URI) $(RELEASE)', 'Created-By: Packages'], { encoding: 'utf8', timeout: 10_000 });
  return r.status === 0 ? parseSecurityArchive(r.stdout) : undefined;
}
