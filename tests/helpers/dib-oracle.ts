/**
 * The real diskimage-builder the tests compare Kiln with: installed by scripts/setup-test-oracle
 * into a private prefix that is never on PATH (system-wide, its disk-image-create would shadow
 * Kiln's). KILN_DIB_ORACLE names another prefix. Its Python runs with PYTHONPATH set to it.
 */
import { spawnSync, type SpawnSyncOptionsWithStringEncoding, type SpawnSyncReturns } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const DIB_ORACLE_PREFIX = process.env.KILN_DIB_ORACLE ?? '/opt/kiln-test-oracle';
/** the directory holding the diskimage_builder package (PYTHONPATH) */
export const DIB_PYTHONPATH = join(DIB_ORACLE_PREFIX, 'usr/lib/python3/dist-packages');
/** the diskimage_builder package: its elements/, block_device/, lib/ */
export const DIB_PY = join(DIB_PYTHONPATH, 'diskimage_builder');
export const PYTHON = '/usr/bin/python3';

export function haveDibOracle(): boolean {
  return existsSync(join(DIB_PY, '__init__.py')) && existsSync(PYTHON);
}

/** Why an oracle test skips (outside CI only: in CI a missing oracle fails the test). */
export function dibOracleSkip(): string | false {
  return !haveDibOracle() && process.env.CI !== 'true' ? `the DIB oracle is not installed (scripts/setup-test-oracle; ${DIB_ORACLE_PREFIX})` : false;
}

/** The environment for the oracle's Python: `base` (default: this process's) with PYTHONPATH pointing at it. */
export function dibEnv(base: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const env = Object.fromEntries(Object.entries(base).filter((e): e is [string, string] => e[1] !== undefined));
  return { ...env, PYTHONPATH: env.PYTHONPATH ? `${DIB_PYTHONPATH}:${env.PYTHONPATH}` : DIB_PYTHONPATH };
}

/** Runs the system python3 with the oracle importable. */
export function dibPython(args: string[], opts: Omit<SpawnSyncOptionsWithStringEncoding, 'encoding'> = {}): SpawnSyncReturns<string> {
  return spawnSync(PYTHON, args, { ...opts, encoding: 'utf8', env: dibEnv(opts.env ?? process.env) });
}

/**
 * The newest diskimage-builder Debian packages (forky's, 3.40), which scripts/setup-test-oracle installs in
 * DIB_ORACLE_PREFIX/newest: the end-to-end test of DIB's own element tree uses it, since DIB 3.13's
 * Debian elements predate bookworm and DIB 3.37's (trixie's) cannot build its default release.
 */
export const DIB_NEWEST_PYTHONPATH = join(DIB_ORACLE_PREFIX, 'newest/usr/lib/python3/dist-packages');
export const DIB_NEWEST_ELEMENTS = join(DIB_NEWEST_PYTHONPATH, 'diskimage_builder/elements');
