/**
 * One step of a build: a hook phase (run by the phase executor) or one of Kiln's own stages. Each
 * says which host tools it needs, from the config and the plan alone, so preflight can find every
 * missing tool before anything runs.
 */
import type { BuildConfig } from '../config/build-config.js';
import type { ToolNeed } from '../distros/types.js';
import { executePhase } from '../phases/execute.js';
import { phase as phaseInfo, type PhaseName } from '../phases/phases.js';
import type { Build } from './build.js';
import { collectInitramfs } from './initramfs-cache.js';
import type { BuildPlan } from './plan.js';

export type { ToolNeed };

interface StepCommon {
  id: string;
  title: string;
  /** host tools this step needs, each with why (preflight reports every missing one at once) */
  needs(config: BuildConfig, plan: BuildPlan): ToolNeed[];
}

export interface PhaseStep extends StepCommon {
  kind: 'phase';
  phase: PhaseName;
}

export interface StageStep extends StepCommon {
  kind: 'stage';
  run(build: Build): Promise<void>;
}

export type Step = PhaseStep | StageStep;

const BASH: ToolNeed = { tool: 'bash', why: 'runs hook phases' };
const CHROOT: ToolNeed = { tool: 'chroot', why: 'enters the tree (coreutils)' };

/** A hook phase: host phases need bash; in-target phases also enter the tree. */
export function phaseStep(name: PhaseName): PhaseStep {
  const inTarget = phaseInfo(name).where === 'target';
  return { kind: 'phase', id: name, title: name, phase: name, needs: () => (inTarget ? [BASH, CHROOT] : [BASH]) };
}

/** A stage of Kiln's own; `needs` defaults to none. */
export function stage(id: string, title: string, run: (build: Build) => Promise<void>, needs: StageStep['needs'] = () => []): StageStep {
  return { kind: 'stage', id, title, run, needs };
}

export async function runStep(step: Step, build: Build): Promise<void> {
  if (step.kind === 'phase') {
    await executePhase(build.phaseContext(), step.phase);
    await collectInitramfs(build);
  } else await step.run(build);
}
