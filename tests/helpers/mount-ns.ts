/**
 * Run a command in a private mount namespace of its own, then report that namespace's mount
 * table as the command left it. Tests whose hooks really mount (bind mounts, tmpfs) run there, so
 * the machine's mount table never sees them, even for a moment, and a leak is still visible: the
 * namespace lives until the table has been read.
 */
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseMountInfo, type MountEntry } from '../../src/sandbox/mountinfo.js';
import { processesMentioning } from './cli.js';

// $1: where to write the table; $2: setup commands (sh) run first in the namespace; then the argv
const WRAPPER = `mi=$1; setup=$2; shift 2
eval "$setup" || exit 99
"$@"; rc=$?
cat /proc/self/mountinfo > "$mi"
exit $rc`;

export interface NsResult {
  status: number;
  stdout: string;
  stderr: string;
  mounts: MountEntry[];
}

/** Every live process below `root` (by the parent pid in /proc/PID/stat). */
function descendants(root: number): number[] {
  const parent = new Map<number, number>();
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      parent.set(Number(pid), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      /* gone */
    }
  }
  const out: number[] = [];
  const below = (p: number): void => {
    for (const [c, pp] of parent) {
      if (pp === p) {
        out.push(c);
        below(c);
      }
    }
  };
  below(root);
  return out;
}

function argv(dir: string, setup: string, cmd: string[]): string[] {
  return ['--mount', '--propagation', 'private', 'sh', '-c', WRAPPER, 'sh', join(dir, 'mountinfo'), setup, ...cmd];
}

export function runInMountNs(dir: string, cmd: string[], opts: { env?: Record<string, string>; setup?: string } = {}): NsResult {
  const r = spawnSync('unshare', argv(dir, opts.setup ?? ':', cmd), {
    encoding: 'utf8',
    env: { ...process.env, CI: 'true', ...opts.env },
    timeout: 300_000,
  });
  return { status: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '', mounts: parseMountInfo(readFileSync(join(dir, 'mountinfo'), 'utf8')) };
}

/** The same, sending SIGINT to the node process of `cmd` once `ready()` holds. */
export async function interruptInMountNs(dir: string, cmd: string[], ready: () => boolean, opts: { env?: Record<string, string> } = {}): Promise<NsResult> {
  const child = spawn('unshare', argv(dir, ':', cmd), { env: { ...process.env, CI: 'true', ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const exited = new Promise<number>((resolve) => child.on('exit', (c) => resolve(c ?? -1)));
  await new Promise<void>((resolve, reject) => {
    const t0 = Date.now();
    const poll = setInterval(() => {
      if (ready()) {
        clearInterval(poll);
        resolve();
      } else if (Date.now() - t0 > 120_000) {
        clearInterval(poll);
        reject(new Error(`not ready:\n${stderr}`));
      }
    }, 100);
  });
  // the build's own node process, a descendant of this wrapper (not the unshare or sh wrappers,
  // and not another build on the machine whose command line names the same program)
  const mine = new Set(descendants(child.pid!).map(String));
  const node = processesMentioning(cmd[0]!)
    .map((l) => l.split(': '))
    .find(([pid, c]) => mine.has(pid!) && /^\S*node /.test(c ?? ''));
  if (!node) throw new Error(`no node process for ${cmd[0]} under pid ${child.pid}`);
  process.kill(Number(node[0]), 'SIGINT');
  const status = await exited;
  return { status, stdout, stderr, mounts: parseMountInfo(readFileSync(join(dir, 'mountinfo'), 'utf8')) };
}
