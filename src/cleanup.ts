/**
 * Cleanup is registered right after a resource is acquired and runs in reverse order (LIFO),
 * on success, failure and interruption alike. A failing cleanup step is logged, never fatal,
 * so every later step still runs.
 */
import type { Logger } from './log.js';

export type CleanupFn = () => void | Promise<void>;

export class CleanupStack {
  private readonly steps: { name: string; fn: CleanupFn }[] = [];
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

  async run(): Promise<void> {
    while (this.steps.length > 0) {
      const step = this.steps.pop()!;
      try {
        await step.fn();
      } catch (e) {
        this.log?.warn(`cleanup '${step.name}' failed: ${(e as Error).message}`);
      }
    }
  }
}
