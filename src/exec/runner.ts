/**
 * The only module that imports execa. Every external command Kiln runs goes through a Runner so
 * that it is logged, its failure carries argv/exit code/stderr tail, it dies with Kiln (even when
 * Kiln is SIGKILLed: lifeline.ts), and it is killed on abort.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { readFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { InterruptedError, KilnError } from '../errors.js';
import { silentLogger, type Logger } from '../log.js';
import { missingCommand, tiedToKiln } from './lifeline.js';
import { findTool, toolPath } from './tools.js';

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
    // a sentence first (the program and what happened), its output, then the command line, shortened:
    // mmdebstrap's or qemu-img's argv runs to a thousand characters
    super(`${what}${programName(argv)} ${how}${tail ? `\n${indent(tail)}` : ''}\n  command: ${shorten(formatArgv(argv), COMMAND_SHOWN)}`);
    this.name = 'CommandError';
    this.argv = argv;
    this.commandExitCode = exitCode;
    this.stderrTail = tail;
    this.context = context;
  }
}

/** How much of a failed command's argv an error shows (the log and --debug have all of it). */
const COMMAND_SHOWN = 300;

/** The program a command runs, looking through the wrappers Kiln puts in front (`unshare ... --`, `setpriv ... --`). */
export function programName(argv: string[]): string {
  let rest = argv;
  while (rest.length > 1 && ['unshare', 'setpriv'].includes(basename(rest[0]!)) && rest.includes('--')) rest = rest.slice(rest.indexOf('--') + 1);
  const prog = basename(rest[0] ?? 'a command');
  // a shell running a script: name the script
  return ['sh', 'bash'].includes(prog) && rest[1] && !rest[1].startsWith('-') ? basename(rest[1]) : prog;
}

function shorten(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n)}… (${s.length - n} more characters: --logfile or --debug shows the whole command)` : s;
}

export function tailLines(text: string, n: number): string {
  const lines = text.replace(/\s+$/, '').split('\n');
  return lines.slice(-n).join('\n').trim();
}

function indent(s: string): string {
  return s
    .split('\n')
    .map((l) => `    ${l}`)
    .join('\n');
}

export function formatArgv(argv: string[]): string {
  return argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}

/** Every command still running, from every Runner: an abort must reach them all. */
const LIVE = new Set<ResultPromise>();

/** Set by abortCommands(): the signal that stopped Kiln. */
let abortedBy: string | undefined;
/** Marks the async context of cleanup code (CleanupStack.run), whose commands still run after an abort. */
const cleanupScope = new AsyncLocalStorage<true>();

/**
 * Run `fn` as cleanup: commands it starts run even after abortCommands() (moving a split tree
 * back, removing a temporary tree), since cleanup is what an interrupted build still has to do.
 */
export function asCleanup<T>(fn: () => T): T {
  return cleanupScope.run(true, fn);
}

/**
 * Stop the build on a signal: kill every running command and refuse to start new ones (outside
 * cleanup), so a step that was between two commands fails at its next one instead of going on.
 * Every command that was running or is refused rejects with an InterruptedError. For a process
 * that is about to exit (the CLI's signal handlers); there is no way back.
 */
export function abortCommands(signal: string, waitMs = 5000): Promise<void> {
  abortedBy ??= signal;
  return killAllCommands(waitMs);
}

/**
 * Kill every command Kiln started and wait (up to `waitMs`) for them to exit. SIGKILL, because
 * `unshare --fork` ignores SIGTERM; every command is the unshare of its own pid namespace with
 * --kill-child (lifeline.ts), so its death takes all of the command's processes with it. Returns
 * when the namespaces' inits are dead too (an init exits only after the rest of its namespace).
 */
export function killAllCommands(waitMs = 5000): Promise<void> {
  return killCommands([...LIVE], waitMs);
}

async function killCommands(children: ResultPromise[], waitMs: number): Promise<void> {
  // the init of each command's pid namespace: once it is gone, so is every process of the command
  const inits = children.flatMap((c) => (c.pid ? childPids(c.pid) : []));
  for (const c of children) c.kill('SIGKILL');
  const deadline = Date.now() + waitMs;
  await Promise.race([Promise.allSettled(children), new Promise((r) => setTimeout(r, waitMs).unref())]);
  while (inits.some(running) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
}

function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** Not exited (a zombie has: its pid namespace is empty then, its parent reaps it). */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat[stat.lastIndexOf(')') + 2] !== 'Z';
  } catch {
    return false;
  }
}

function interrupted(argv: string[], opts: RunOptions): InterruptedError {
  const sig = abortedBy ?? 'SIGINT';
  return new InterruptedError(sig, `${opts.context ?? formatArgv(argv.slice(0, 3))}: stopped, interrupted by ${sig}`);
}

export class Runner {
  /** this Runner's commands still running (each is in LIVE too) */
  private readonly own = new Set<ResultPromise>();
  /** root: commands get a pid namespace without a user namespace (lifeline.ts) */
  private readonly privileged = (process.getuid?.() ?? 0) === 0;
  constructor(readonly log: Logger = silentLogger) {}

  async run(cmd: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
    const argv = [cmd, ...args];
    if (abortedBy && !cleanupScope.getStore()) throw interrupted(argv, opts);
    // looked up before the wrappers exec it, so a missing command fails fast and prints nothing
    const pathEnv = opts.extendEnv === false ? opts.env?.PATH : (opts.env?.PATH ?? process.env.PATH);
    const exe = cmd.includes('/') && opts.cwd ? resolve(opts.cwd, cmd) : cmd;
    if (!findTool(exe, pathEnv ?? '')) throw new KilnError(`${cmd}: command not found`, { hint: `install the package that provides ${cmd}` });
    // the command (and the wrappers' execvp of it) searches the PATH findTool searched: sbin
    // included, which a new user's login PATH lacks (mke2fs, sfdisk, runuser live there)
    const env = pathEnv === undefined ? opts.env : { ...opts.env, PATH: toolPath(pathEnv) };
    this.log.debug(`$ ${formatArgv(argv)}`);
    const [bin, ...binArgs] = tiedToKiln(argv, this.privileged);
    const stdio: ('pipe' | 'inherit' | 'ignore')[] = opts.interactive
      ? ['inherit', 'inherit', 'inherit']
      : [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'];
    if (opts.onFd3Line) stdio.push('pipe');
    const child = execa(bin!, binArgs, {
      cwd: opts.cwd,
      env: env as Record<string, string>,
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
    LIVE.add(child);
    this.own.add(child);
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
        for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
          const line = buf.slice(0, i);
          buf = buf.slice(i + 1);
          opts.onFd3Line?.(line);
        }
      });
    }
    try {
      const r = (await child) as unknown as {
        stdout: string | Uint8Array;
        stderr: string | Uint8Array;
        exitCode?: number;
        signal?: string;
        failed: boolean;
        timedOut?: boolean;
        isTerminated?: boolean;
        code?: string;
        message?: string;
      };
      const stdoutBuffer = r.stdout instanceof Uint8Array ? Buffer.from(r.stdout) : undefined;
      const stdout = typeof r.stdout === 'string' ? r.stdout : '';
      const stderr = typeof r.stderr === 'string' ? r.stderr : Buffer.from(r.stderr ?? []).toString();
      const exitCode = r.exitCode ?? -1;
      if (r.code === 'ENOENT') {
        throw new KilnError(`${bin}: command not found`, { hint: `install the package that provides ${bin} (util-linux)` });
      }
      const missing = missingCommand(r.exitCode, stderr);
      if (missing) throw new KilnError(`${missing}: command not found`, { hint: `install the package that provides ${missing}` });
      const ok = exitCode === 0 || (opts.okExitCodes ?? []).includes(exitCode);
      if (!ok && abortedBy && !cleanupScope.getStore()) throw interrupted(argv, opts);
      if (!ok || r.isTerminated) {
        throw new CommandError(argv, r.exitCode, stderr || (opts.stream ? '' : stdout), opts.context, r.signal ?? undefined);
      }
      return stdoutBuffer ? { stdout: '', stdoutBuffer, stderr, exitCode } : { stdout, stderr, exitCode };
    } finally {
      LIVE.delete(child);
      this.own.delete(child);
    }
  }

  /** Kill every command still running, of every Runner (on abort). */
  killAll(): Promise<void> {
    return killAllCommands();
  }

  /** Kill only this Runner's commands (a boot test stopping its QEMU), as killAllCommands does. */
  killOwn(waitMs = 5000): Promise<void> {
    return killCommands([...this.own], waitMs);
  }
}
