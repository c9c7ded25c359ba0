/**
 * Progress of a build. On a TTY: listr2 tasks per step, script-level subtasks per hook phase,
 * observing the pipeline's events. Otherwise: plain lines. Either way, a timing summary at the end.
 */
import { Listr, type ListrTask } from 'listr2';
import type { BuildReport, BuildReporter } from '../build/pipeline.js';

interface Deferred {
  promise: Promise<void>;
  resolve(): void;
  reject(e: Error): void;
}
function deferred(): Deferred {
  let resolve!: () => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}

export class ListrReporter implements BuildReporter {
  private readonly waits = new Map<string, Deferred>();
  private listrDone: Promise<unknown> = Promise.resolve();
  private wait(key: string): Deferred {
    let d = this.waits.get(key);
    if (!d) {
      d = deferred();
      this.waits.set(key, d);
    }
    return d;
  }
  planned(steps: { id: string; title: string; scripts?: string[] }[]): void {
    const tasks: ListrTask[] = foldEmptyPhases(steps).map((s) =>
      Array.isArray(s)
        ? // consecutive phases without scripts: one line naming them
          { title: emptyPhasesLine(s), skip: () => emptyPhasesLine(s), task: () => undefined }
        : {
            title: s.title,
            task: (_ctx, task) =>
              s.scripts && s.scripts.length > 0
                ? task.newListr(
                    s.scripts.map((n) => ({ title: n, task: (_c, sub) => withElapsed(sub, n, this.wait(`${s.id}/${n}`).promise) })),
                    { exitOnError: true },
                  )
                : withElapsed(task, s.title, this.wait(s.id).promise),
          },
    );
    const listr = new Listr(tasks, { exitOnError: true, rendererOptions: { collapseSubtasks: true, showTimer: true } as never });
    this.listrDone = listr.run().catch(() => undefined);
  }
  stepEnd(id: string, ok: boolean): void {
    if (ok) this.wait(id).resolve();
    else this.failAll(new Error(`${id} failed`));
  }
  scriptEnd(phase: string, script: string, _el: string, ok: boolean): void {
    const d = this.wait(`${phase}/${script}`);
    if (ok) d.resolve();
    else d.reject(new Error(`${script} failed`));
  }
  failAll(e: Error): void {
    for (const d of this.waits.values()) d.reject(e);
    // steps never reached: reject their future waits too
    this.wait = ((key: string) => {
      const d = deferred();
      d.reject(e);
      this.waits.set(key, d);
      return d;
    }) as never;
  }
  async finished(): Promise<void> {
    await this.listrDone;
  }
}

/** While `p` runs, the task's title shows the seconds it has taken (listr's timer shows the total after). */
async function withElapsed(task: { title?: string }, title: string, p: Promise<void>): Promise<void> {
  const t0 = Date.now();
  const tick = setInterval(() => {
    task.title = `${title} (${Math.floor((Date.now() - t0) / 1000)} s)`;
  }, 1000);
  try {
    await p;
  } finally {
    clearInterval(tick);
    task.title = title;
  }
}

type PlannedStep = { id: string; title: string; scripts?: string[] };

/** The steps, with each run of consecutive phases that have no scripts folded into one group. */
export function foldEmptyPhases(steps: PlannedStep[]): (PlannedStep | PlannedStep[])[] {
  const out: (PlannedStep | PlannedStep[])[] = [];
  for (const s of steps) {
    const empty = s.scripts !== undefined && s.scripts.length === 0;
    const last = out[out.length - 1];
    if (empty && Array.isArray(last)) last.push(s);
    else out.push(empty ? [s] : s);
  }
  return out;
}

export function emptyPhasesLine(group: PlannedStep[]): string {
  const names = group.map((s) => s.title).join(', ');
  return group.length === 1 ? `${names}: no scripts` : `${group.length} phases without scripts: ${names}`;
}

export class PlainReporter implements BuildReporter {
  constructor(private readonly line: (s: string) => void) {}
  stepStart(id: string): void {
    this.line(`==> ${id}`);
  }
  scriptStart(phase: string, script: string, element: string): void {
    this.line(`  -> ${phase}/${script} (${element})`);
  }
  stepEnd(id: string, ok: boolean, ms: number): void {
    if (!ok) this.line(`!!! ${id} failed after ${(ms / 1000).toFixed(1)} s`);
  }
}

export function formatTimings(report: BuildReport): string {
  const rows = report.steps.filter((s) => s.ms >= 1).map((s) => [s.title, (s.ms / 1000).toFixed(1)] as const);
  const w = Math.max(10, ...rows.map((r) => r[0].length));
  const lines = [
    'Timings (seconds):',
    ...rows.map(([t, s]) => `  ${t.padEnd(w)} ${s.padStart(7)}`),
    `  ${'total'.padEnd(w)} ${(report.totalMs / 1000).toFixed(1).padStart(7)}`,
  ];
  return lines.join('\n');
}
