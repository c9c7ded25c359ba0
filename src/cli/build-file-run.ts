/**
 * Running a build file's images: every image is checked first (its command line through the
 * same parser as disk-image-create, then its plan: elements, block-device layout), then each is
 * built by a child `kiln build` with that command line, up to `jobs` at a time. The children
 * share the bootstrap cache (its entries appear by rename: cache/store.ts).
 *
 * Each child runs in a process group of its own, so a Ctrl-C at the terminal reaches only this
 * process, which passes the signal on once to every running build; each build then stops and
 * cleans up as a lone one does, and this process exits with 128 + the signal's number after them.
 * A second signal exits at once; the children die with it (setpriv --pdeathsig, as every command
 * Kiln starts: exec/lifeline.ts), and their commands with them.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { Listr } from 'listr2';
import { planBuild } from '../build/plan.js';
import { isKilnError, KilnError, signalExitCode, throwIfProblems } from '../errors.js';
import { PDEATHSIG_PREFIX } from '../exec/lifeline.js';
import type { BuildResult } from './build-result.js';
import { type BuildFileImage, placeProblem, readBuildFiles } from './build-file.js';
import { parseBuildArgs } from './build-command.js';
import { REPO_ROOT } from './paths.js';
import { handleInterrupts } from './signals.js';

export interface BuildFileOptions {
  files: string[];
  jobs: number;
  stopOnFailure: boolean;
  dryRun: boolean;
  json: boolean;
  /** the program name in messages */
  prog: string;
  /** --debug: the builds log at debug level (KILN_DEBUG=1) */
  debug?: boolean;
}

export type ImageStatus = 'ok' | 'failed' | 'skipped' | 'interrupted';

/** One image's record: what --json prints (schemas/build-file-result.json). */
export interface ImageRun {
  imageName: string;
  /** file:line of the image's definition */
  definedAt: string;
  status: ImageStatus;
  /** the command that built it */
  command: string[];
  exitCode: number | null;
  /** ISO 8601, null when it did not start */
  startedAt: string | null;
  endedAt: string | null;
  seconds: number | null;
  /** the build's own result (schemas/build-result.json), null unless it succeeded */
  result: BuildResult | null;
  /** the last lines the build printed, when it failed */
  errorTail: string | null;
}

const KILN = join(REPO_ROOT, 'bin', 'kiln');

/** The command that builds an image: `kiln build --json ARGS` (what --dry-run shows). */
export function imageCommand(image: BuildFileImage): string[] {
  return ['kiln', 'build', '--json', ...image.args];
}

function quote(s: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** A command as a shell line, its environment first (DIB's Command.__repr__). */
export function shellLine(env: Record<string, string>, argv: string[]): string {
  return [...Object.entries(env).map(([k, v]) => `${k}=${quote(v)}`), ...argv.map(quote)].join(' ');
}

/**
 * Check every image as its build will (arguments, elements, layout); all problems at once.
 * Returns notes: what the build's environment lacks so far (a distro driver that needs a mirror),
 * which an element's environment.d may still set, so they do not stop the build.
 */
export function checkImages(images: BuildFileImage[], env: NodeJS.ProcessEnv = process.env): string[] {
  const problems: KilnError[] = [];
  const notes: string[] = [];
  const outputs = new Map<string, BuildFileImage>();
  for (const image of images) {
    try {
      const { config } = parseBuildArgs(image.args, { ...env, ...image.environment });
      const out = config ? join(config.outDir, config.imageName) : '';
      const other = outputs.get(out);
      if (other) {
        problems.push(
          new KilnError(`images ${other.name} and ${image.name} write the same outputs (${out}.*)`, {
            where: image.keyWhere.imagename ?? image.where,
            hint: 'give each image its own imagename',
          }),
        );
      }
      outputs.set(out, image);
      const plan = config ? planBuild(config) : undefined;
      const boot = plan?.bootstrap?.plan;
      if (boot && 'error' in boot) notes.push(`${image.where}: image ${image.name}: ${boot.error}`);
    } catch (e) {
      const placed = placeProblem(image, e);
      if (!isKilnError(placed)) throw placed;
      problems.push(placed);
    }
  }
  throwIfProblems('the build files have problems', problems);
  return notes;
}

/** The image's output lines, for the progress view and the failure report. */
class Tail {
  private readonly lines: string[] = [];
  private partial = '';
  constructor(
    private readonly keep: number,
    private readonly onLine: (l: string) => void,
  ) {}
  push(chunk: string): void {
    const parts = (this.partial + chunk).split('\n');
    this.partial = parts.pop() ?? '';
    for (const l of parts) {
      this.lines.push(l);
      if (this.lines.length > this.keep) this.lines.shift();
      this.onLine(l);
    }
  }
  text(): string {
    if (this.partial) this.push('\n');
    return this.lines.join('\n');
  }
}

interface Running {
  child: ChildProcess;
  done: Promise<void>;
}

function formatSeconds(s: number | null): string {
  if (s === null) return '-';
  return s >= 60 ? `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s` : `${s.toFixed(1)}s`;
}

/** The table printed after the builds: image, outputs, time, status. */
export function summaryTable(runs: ImageRun[]): string {
  const rows = runs.map((r) => [r.imageName, r.result ? r.result.outputs.map((o) => o.path).join(' ') || '-' : '-', formatSeconds(r.seconds), r.status]);
  const head = ['IMAGE', 'OUTPUTS', 'TIME', 'STATUS'];
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => (i === 3 ? c : c.padEnd(w[i]!)))
      .join('  ')
      .trimEnd();
  return [line(head), ...rows.map(line)].join('\n');
}

export async function runBuildFiles(o: BuildFileOptions): Promise<number> {
  const images = readBuildFiles(o.files);
  for (const n of checkImages(images)) process.stderr.write(`${o.prog}: warning: ${n}\n`);
  if (o.dryRun) {
    if (o.json) {
      const plan = images.map((i) => ({ imageName: i.name, definedAt: i.where, command: imageCommand(i), environment: i.environment }));
      process.stdout.write(`${JSON.stringify(plan, null, 2)}\n`);
    } else {
      for (const i of images) process.stdout.write(`${shellLine(i.environment, imageCommand(i))}\n`);
    }
    return 0;
  }

  const runs: ImageRun[] = images.map((i) => ({
    imageName: i.name,
    definedAt: i.where,
    status: 'skipped',
    command: imageCommand(i),
    exitCode: null,
    startedAt: null,
    endedAt: null,
    seconds: null,
    result: null,
    errorTail: null,
  }));
  const tty = !!process.stderr.isTTY && !process.env.CI;
  const running = new Set<Running>();
  let interrupted: NodeJS.Signals | undefined;
  let failed = false;
  const stopHandling = handleInterrupts(o.prog, (sig) => {
    interrupted = sig;
    process.stderr.write(`\n${o.prog}: interrupted (${sig}); stopping ${running.size} build(s)\n`);
    for (const r of running) r.child.kill(sig);
  });

  const buildOne = (index: number, onLine: (l: string) => void): Promise<void> => {
    const image = images[index]!;
    const run = runs[index]!;
    const tail = new Tail(60, onLine);
    let stdout = '';
    const t0 = Date.now();
    run.startedAt = new Date(t0).toISOString();
    run.status = 'failed';
    const [, ...args] = imageCommand(image);
    const child = spawn(PDEATHSIG_PREFIX[0]!, [...PDEATHSIG_PREFIX.slice(1), process.execPath, KILN, ...args], {
      env: { ...process.env, ...(o.debug ? { KILN_DEBUG: '1' } : {}), ...image.environment },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    child.stdout!.setEncoding('utf8');
    child.stderr!.setEncoding('utf8');
    child.stdout!.on('data', (d: string) => {
      stdout += d;
    });
    child.stderr!.on('data', (d: string) => tail.push(d));
    const done = new Promise<void>((resolve) => {
      const finish = (code: number | null, signal: NodeJS.Signals | null, err?: Error) => {
        const t1 = Date.now();
        run.endedAt = new Date(t1).toISOString();
        run.seconds = (t1 - t0) / 1000;
        run.exitCode = code ?? (signal ? signalExitCode(signal) : null);
        if (err) tail.push(`${o.prog}: cannot start the build: ${err.message}\n`);
        if (code === 0) {
          try {
            run.result = JSON.parse(stdout) as BuildResult;
            run.status = 'ok';
          } catch {
            tail.push(`${o.prog}: the build printed no result\n`);
          }
        } else if (interrupted) {
          run.status = 'interrupted';
        }
        if (run.status !== 'ok') {
          run.errorTail = tail.text();
          failed = true;
        }
        resolve();
      };
      child.on('error', (e) => finish(null, null, e));
      child.on('close', (code, signal) => finish(code, signal));
    });
    const r = { child, done };
    running.add(r);
    return done.finally(() => running.delete(r));
  };

  const mayStart = () => !interrupted && !(failed && o.stopOnFailure);
  /** Run the images, `jobs` at a time, calling `start` for each (it resolves when that one ends). */
  const pool = async (start: (i: number) => Promise<void>): Promise<void> => {
    let next = 0;
    const worker = async () => {
      while (next < images.length && mayStart()) await start(next++);
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(o.jobs, images.length)) }, worker));
  };

  try {
    if (tty) {
      // one task per image; each shows its build's last line while it runs
      const starts = images.map(() => {
        let release!: () => void;
        const gate = new Promise<void>((r) => {
          release = r;
        });
        return { gate, release };
      });
      // each image's lines go to its task's output once its task runs
      const outputs: ((l: string) => void)[] = images.map(() => () => undefined);
      const ended: Promise<void>[] = images.map(() => new Promise<void>(() => undefined));
      const tasks = new Listr(
        images.map((image, i) => ({
          title: image.name,
          task: async (_ctx: unknown, task: { output: string; title: string; skip(m?: string): void }) => {
            outputs[i] = (line) => {
              // the build's line without its timestamp, shortened to one terminal line
              const l = line.replace(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} \| /, '').trim();
              if (l) task.output = l.length > 100 ? `${l.slice(0, 97)}...` : l;
            };
            task.title = `${image.name} (waiting)`;
            await starts[i]!.gate;
            task.title = image.name;
            if (runs[i]!.status === 'skipped') {
              task.skip(`${image.name}: not started`);
              return;
            }
            await ended[i];
            const r = runs[i]!;
            task.title = `${image.name} (${formatSeconds(r.seconds)})`;
            if (r.status !== 'ok') throw new Error(`${image.name}: ${r.status} (exit ${r.exitCode})`);
          },
        })),
        { concurrent: true, exitOnError: false, rendererOptions: { collapseSubtasks: false } as never },
      );
      const view = tasks.run().catch(() => undefined);
      await pool((i) => {
        const p = buildOne(i, (l) => outputs[i]!(l));
        ended[i] = p;
        starts[i]!.release();
        return p;
      });
      for (const s of starts) s.release();
      await view;
    } else {
      await pool((i) => {
        process.stderr.write(`${o.prog}: building ${images[i]!.name}: ${shellLine(images[i]!.environment, imageCommand(images[i]!))}\n`);
        return buildOne(i, (l) => process.stderr.write(`[${images[i]!.name}] ${l}\n`));
      });
    }
  } finally {
    stopHandling();
  }

  for (const r of runs) {
    if (r.status !== 'ok' && r.errorTail && tty) process.stderr.write(`\n--- ${r.imageName} (${r.definedAt}): last lines ---\n${r.errorTail}\n`);
  }
  process.stderr.write(`\n${summaryTable(runs)}\n`);
  if (o.json) process.stdout.write(`${JSON.stringify(runs, null, 2)}\n`);
  if (interrupted) return signalExitCode(interrupted);
  return runs.every((r) => r.status === 'ok') ? 0 : 1;
}
