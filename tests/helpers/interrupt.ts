/**
 * Killing a running Kiln and looking at what it left: its processes (found by a marker in their
 * environment or command line) and its files outside the workspace. Used by the interrupt tests
 * and bench/kill-stress.mjs. Reads every process's environ: run as root.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { BIN } from './cli.js';

/** The environment variable every process of a test build inherits: its base directory. */
export const MARK_VAR = 'KILN_TEST_MARK';

export interface KilnRun {
  child: ChildProcess;
  /** resolves when the spawned process (Kiln, or runuser around it) has exited */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr(): string;
}

/** Start `bin/<cmd> args` with env (and the marker); as `user` through runuser when given. */
export function startKiln(cmd: string, args: string[], env: Record<string, string>, marker: string, user?: string): KilnRun {
  const full = { ...env, [MARK_VAR]: marker, CI: 'true' };
  const argv = user
    ? ['runuser', '-u', user, '--', 'env', ...Object.entries(full).map(([k, v]) => `${k}=${v}`), process.execPath, join(BIN, cmd), ...args]
    : [process.execPath, join(BIN, cmd), ...args];
  const child = spawn(argv[0]!, argv.slice(1), { env: { ...process.env, ...full }, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) => {
    child.on('exit', (code, signal) => res({ code, signal }));
  });
  return { child, exited, stderr: () => err };
}

function readProc(pid: string, what: 'environ' | 'cmdline' | 'stat'): string {
  try {
    return readFileSync(`/proc/${pid}/${what}`, 'latin1');
  } catch {
    return ''; // gone, or not ours to read
  }
}

/** Live processes of the build marked `marker`: "pid: cmdline" (zombies are dead: not listed). */
export function markedProcesses(marker: string): string[] {
  const out: string[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    if (Number(pid) === process.pid) continue;
    const env = readProc(pid, 'environ').split('\0');
    const cmd = readProc(pid, 'cmdline').replace(/\0/g, ' ').trim();
    if (!env.includes(`${MARK_VAR}=${marker}`) && !cmd.includes(marker)) continue;
    const stat = readProc(pid, 'stat');
    if (stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z') continue; // dead, not yet reaped
    out.push(`${pid}: ${cmd}`);
  }
  return out;
}

/** The pid of Kiln's own node process for this build (not runuser around it). */
export function kilnPid(marker: string, cmd: string): number | undefined {
  for (const line of markedProcesses(marker)) {
    const [pid, ...rest] = line.split(': ');
    const argv = rest.join(': ').split(' ');
    if (argv[0] === process.execPath && argv[1] === join(BIN, cmd)) return Number(pid);
  }
  return undefined;
}

export async function waitFor<T>(probe: () => T | undefined | false, timeoutMs: number, what: string, everyMs = 50): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Every path under `dir` (files and directories, relative), sorted; [] when it does not exist. */
export function listTree(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  const walk = (d: string, rel: string): void => {
    for (const n of readdirSync(d).sort()) {
      const p = join(d, n);
      const r = rel ? `${rel}/${n}` : n;
      out.push(r);
      if (statSync(p, { throwIfNoEntry: false })?.isDirectory() && !statSync(p).isSymbolicLink()) walk(p, r);
    }
  };
  walk(dir, '');
  return out;
}

/** The workspaces (TMP_DIR/kiln-*) in a TMP_DIR. */
export function workspaces(tmpDir: string): string[] {
  return existsSync(tmpDir)
    ? readdirSync(tmpDir)
        .filter((n) => n.startsWith('kiln-'))
        .map((n) => join(tmpDir, n))
    : [];
}

/** The tree of a workspace (DIB's shape: WORKSPACE/dib_build.XXXXXXXX/mnt), or '' if there is none yet. */
export function workspaceTree(ws: string): string {
  const build = existsSync(ws) ? readdirSync(ws).find((n) => n.startsWith('dib_build.')) : undefined;
  return build ? join(ws, build, 'mnt') : '';
}

/** The workspace an interrupted build named on stderr. */
export function namedWorkspace(stderr: string): string | undefined {
  return /interrupted by SIG\w+; the workspace is kept for debugging: (\S+)/.exec(stderr)?.[1];
}
