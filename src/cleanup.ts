/**
 * Cleanup is registered right after a resource is acquired and runs in reverse order (LIFO),
 * on success, failure and interruption alike. A failing cleanup step is logged, never fatal,
 * so every later step still runs. Steps run as cleanup (asCleanup): their commands still start
 * after an interrupt stopped the build's.
 */
import { asCleanup } from './exec/runner.js';
import type { Logger } from './log.js';

export type CleanupFn = () => void | Promise<void>;

export class CleanupStack {
  private readonly steps: { name: string; fn: CleanupFn }[] = [];
  private running: Promise<void> | undefined;
  constructor(private readonly log?: Logger) {}

  push(name: string, fn: CleanupFn): void {
    this.steps.push({ name, fn });
  }

  /** Drop a step that is no longer needed (e.g. the workspace is kept on purpose). */
  remove(name: string): void {
    const i = this.steps.findIndex((s) => s.name === name);
    if (i >= 0) this.steps.splice(i, 1);
  }

  get size(): number {
    return this.steps.length;
  }

  /**
   * Run every step. A call while a run is under way joins it (an interrupt and the build's own
   * `finally` both call run()): the steps run one at a time, in order, and both callers return
   * only when the last one has finished.
   */
  run(): Promise<void> {
    this.running ??= this.drain().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async drain(): Promise<void> {
    while (this.steps.length > 0) {
      const step = this.steps.pop()!;
      try {
        await asCleanup(() => step.fn());
      } catch (e) {
        this.log?.warn(`cleanup '${step.name}' failed: ${(e as Error).message}`);
      }
    }
  }
}
