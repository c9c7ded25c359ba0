/** Each hook's start and duration, recorded from the phase executor's events (forwarded to the progress view). */
import type { PhaseEvents } from '../phases/execute.js';
import type { HookTiming } from './data.js';

export function hookRecorder(t0: number, forward?: PhaseEvents): { events: PhaseEvents; hooks: HookTiming[] } {
  const hooks: HookTiming[] = [];
  return {
    hooks,
    events: {
      scriptStart(phase, script, element) {
        forward?.scriptStart?.(phase, script, element);
      },
      scriptEnd(phase, script, element, ok, ms) {
        hooks.push({ phase, script, element, startMs: Math.max(0, Date.now() - ms - t0), ms, ok });
        forward?.scriptEnd?.(phase, script, element, ok, ms);
      },
    },
  };
}
