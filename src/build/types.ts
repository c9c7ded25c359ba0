/** The step shape of a build and the state the steps share (steps.ts lists them, pipeline.ts runs them). */
import type { BuildContext } from '../context.js';
import type { PhaseName } from '../phases/phases.js';

export interface BuildState {
  outputs: string[];
  /** the assembled disk (or bare filesystem) image */
  rawImage?: string;
  /** stage-specific data (block-device plan, ...) */
  [key: string]: unknown;
}

export interface Step {
  id: string;
  title: string;
  /** a hook phase: run by the phase executor */
  phase?: PhaseName;
  /** host tools this step needs, with why (preflight) */
  tools?: { tool: string; why: string }[];
  run?(ctx: BuildContext, state: BuildState, env: Record<string, string>): Promise<void>;
}
