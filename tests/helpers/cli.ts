/** Run Kiln's executables as a user would, and look at what they leave behind. */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const BIN = join(REPO, 'bin');
export const FIXTURE_ELEMENTS = join(REPO, 'tests/fixtures/elements');

export interface CliResult {
  status: number;
  stdout: string;
  stderr: string;
}

/** Runs a CLI to completion; past timeoutMs it is killed with SIGKILL (a hung CLI may ignore SIGTERM). */
export function runCli(cmd: string, args: string[], opts: { env?: Record<string, string>; cwd?: string; user?: string; timeoutMs?: number } = {}): CliResult {
  const env = { ...process.env, CI: 'true', ...opts.env } as Record<string, string>;
  const argv = opts.user
    ? ['runuser', '-u', opts.user, '--', 'env', ...Object.entries(opts.env ?? {}).map(([k, v]) => `${k}=${v}`), 'CI=true', join(BIN, cmd), ...args]
    : [join(BIN, cmd), ...args];
  const r = spawnSync(argv[0]!, argv.slice(1), { env, cwd: opts.cwd, encoding: 'utf8', timeout: opts.timeoutMs ?? 600_000, killSignal: 'SIGKILL' });
  return { status: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

/** Mount points of this mount namespace (the host's mount table, as the build would change it). */
export function mountPoints(): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .trim()
    .split('\n')
    .map((l) => l.split(' ')[4]!)
    .sort();
}

/** Processes whose command line mentions `needle` (e.g. a workspace path). */
export function processesMentioning(needle: string): string[] {
  const out: string[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (cmd.includes(needle) && Number(pid) !== process.pid) out.push(`${pid}: ${cmd}`);
    } catch {
      /* gone */
    }
  }
  return out;
}

export function loopDevices(): string[] {
  try {
    return readdirSync('/sys/block').filter((d) => d.startsWith('loop') && readFileSync(`/sys/block/${d}/size`, 'utf8').trim() !== '0');
  } catch {
    return [];
  }
}

export function isRoot(): boolean {
  return (process.getuid?.() ?? 1) === 0;
}
