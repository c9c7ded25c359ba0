/**
 * The only module that imports execa. Every external command Kiln runs goes through a Runner so
 * that it is logged, its failure carries argv/exit code/stderr tail, and it is killed on abort.
 */
import { execa, type ResultPromise } from 'execa';
import { KilnError } from '../errors.js';
import { silentLogger, type Logger } from '../log.js';

export interface RunOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
  /** replace the environment instead of extending process.env */
  extendEnv?: boolean;
  input?: string | Buffer;
  /** stream stdout/stderr lines to the logger's output() as they arrive */
  stream?: boolean;
  /** extra file descriptors: fd 3 is delivered line by line to this callback */
  onFd3Line?: (line: string) => void;
  /** what this command is for, used in error messages (e.g. "phase install.d, element base") */
  context?: string;
  /** exit codes that are not failures */
  okExitCodes?: number[];
  timeoutMs?: number;
  /** return stdout as a Buffer */
  binary?: boolean;
  /** inherit the terminal (interactive break shells) */
  interactive?: boolean;
}

export interface RunResult {
  stdout: string;
  stdoutBuffer?: Buffer;
  stderr: string;
  exitCode: number;
}

export class CommandError extends KilnError {
  readonly argv: string[];
  readonly commandExitCode: number | undefined;
  readonly stderrTail: string;
  readonly context: string | undefined;
  constructor(argv: string[], exitCode: number | undefined, stderr: string, context?: string, signal?: string) {
    const tail = tailLines(stderr, 15);
    const what = context ? `${context}: ` : '';
    const how = signal ? `was killed by ${signal}` : `failed with exit code ${exitCode}`;
    super(`${what}${formatArgv(argv)} ${how}${tail ? `\n${indent(tail)}` : ''}`);
    this.name = 'CommandError';
    this.argv = argv;
    this.commandExitCode = exitCode;
    this.stderrTail = tail;
    this.context = context;
  }
}

export function tailLines(text: string, n: number): string {
  const lines = text.replace(/\s+$/, '').split('\n');
  return lines.slice(-n).join('\n').trim();
}

function indent(s: string): string {
  return s.split('\n').map((l) => `    ${l}`).join('\n');
}

export function formatArgv(argv: string[]): string {
  return argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}

/** Every command still running, from every Runner: an abort must reach them all. */
const LIVE = new Set<ResultPromise>();

/**
 * Kill every command Kiln started and wait (up to `waitMs`) for them to exit. SIGKILL, because
 * `unshare --fork` ignores SIGTERM; with --kill-child its death takes the whole pid namespace of a
 * hook with it.
 */
export async function killAllCommands(waitMs = 5000): Promise<void> {
  const children = [...LIVE];
  for (const c of children) c.kill('SIGKILL');
  await Promise.race([
    Promise.allSettled(children),
    new Promise((r) => setTimeout(r, waitMs).unref()),
  ]);
}

export class Runner {
  private readonly live = LIVE;
  constructor(readonly log: Logger = silentLogger) {}

  async run(cmd: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
    const argv = [cmd, ...args];
    this.log.debug(`$ ${formatArgv(argv)}`);
    const stdio: ('pipe' | 'inherit' | 'ignore')[] = opts.interactive
      ? ['inherit', 'inherit', 'inherit']
      : [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'];
    if (opts.onFd3Line) stdio.push('pipe');
    const child = execa(cmd, args, {
      cwd: opts.cwd,
      env: opts.env as Record<string, string>,
      extendEnv: opts.extendEnv ?? true,
      input: opts.input,
      stdio,
      reject: false,
      encoding: opts.binary ? 'buffer' : 'utf8',
      stripFinalNewline: false,
      timeout: opts.timeoutMs,
      killSignal: 'SIGTERM',
      forceKillAfterDelay: 3000,
      cleanup: true,
      maxBuffer: 1024 * 1024 * 1024,
    } as never) as unknown as ResultPromise;
    this.live.add(child);
    if (opts.stream && !opts.interactive) {
      const sub = child as unknown as { stdout?: NodeJS.ReadableStream; stderr?: NodeJS.ReadableStream };
      sub.stdout?.on('data', (d: Buffer) => this.log.output(d.toString()));
      sub.stderr?.on('data', (d: Buffer) => this.log.output(d.toString()));
    }
    if (opts.onFd3Line) {
      const fd3 = (child as unknown as { stdio: NodeJS.ReadableStream[] }).stdio[3];
      let buf = '';
      fd3?.on('data', (d: Buffer) => {
        buf += d.toString();
        let i: number;
        while ((i = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, i);
          buf = buf.slice(i + 1);
          opts.onFd3Line?.(line);
        }
      });
    }
    try {
      const r = (await child) as unknown as {
        stdout: string | Uint8Array; stderr: string | Uint8Array; exitCode?: number; signal?: string;
        failed: boolean; timedOut?: boolean; isTerminated?: boolean; code?: string; message?: string;
      };
      const stdoutBuffer = r.stdout instanceof Uint8Array ? Buffer.from(r.stdout) : undefined;
      const stdout = typeof r.stdout === 'string' ? r.stdout : '';
      const stderr = typeof r.stderr === 'string' ? r.stderr : Buffer.from(r.stderr ?? []).toString();
      const exitCode = r.exitCode ?? -1;
      if (r.code === 'ENOENT') {
        throw new KilnError(`${cmd}: command not found`, { hint: `install the package that provides ${cmd}` });
      }
      const ok = exitCode === 0 || (opts.okExitCodes ?? []).includes(exitCode);
      if (!ok || r.isTerminated) {
        throw new CommandError(argv, r.exitCode, stderr || (opts.stream ? '' : stdout), opts.context, r.signal ?? undefined);
      }
      return stdoutBuffer ? { stdout: '', stdoutBuffer, stderr, exitCode } : { stdout, stderr, exitCode };
    } finally {
      this.live.delete(child);
    }
  }

  /** Kill every command still running, of every Runner (on abort). */
  killAll(): Promise<void> {
    return killAllCommands();
  }
}
