/**
 * The steps of a build, in order. Phase steps run a hook phase; the others are Kiln's own stages.
 * Stages contributed by the block-device, bootloader, distro and output layers are listed here
 * too, so this file reads like the data flow of ARCHITECTURE.md.
 */
import type { BuildConfig } from '../config/build-config.js';
import type { BuildContext } from '../context.js';
import type { PhaseName } from '../phases/phases.js';
import { runInTree, TARGET_PATH } from '../sandbox/sandbox.js';
import type { BuildPlan } from './plan.js';
import { checkTreeDeployed, finaliseBase, installHostResolvConf } from './tree-prep.js';

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

const phaseStep = (phase: PhaseName): Step => ({ id: phase, title: phase, phase });

export function buildSteps(config: BuildConfig, plan: BuildPlan): Step[] {
  const steps: Step[] = [];
  steps.push(
    phaseStep('root.d'),
    { id: 'check-tree', title: 'check the root tree', run: async (ctx) => {
      checkTreeDeployed(ctx.ws.tree);
      installHostResolvConf(ctx.ws.tree);
    } },
    phaseStep('extra-data.d'),
    phaseStep('pre-install.d'),
    phaseStep('install.d'),
  );
  if (config.packages.length > 0) {
    steps.push({ id: 'packages', title: `install ${config.packages.join(' ')} (-p)`, run: async (ctx, _s, env) => {
      await runInTree(ctx, ctx.ws.tree, ctx.ws.hooks, ['install-packages', ...config.packages], {
        env: { ...env, PATH: TARGET_PATH, HOME: '/root' }, extendEnv: false, stream: true, context: '-p packages',
      });
    } });
  }
  steps.push(
    phaseStep('post-install.d'),
    phaseStep('post-root.d'),
    phaseStep('block-device.d'),
    phaseStep('pre-finalise.d'),
    phaseStep('finalise.d'),
    // cleanup.d runs before assembly: the tree is the image's content (there is no mounted image
    // to change afterwards), so what cleanup.d removes must be gone before the filesystems are made.
    phaseStep('cleanup.d'),
    { id: 'finalise-tree', title: 'finalise the tree', run: async (ctx) => finaliseBase(ctx.ws.tree) },
  );
  void plan;
  return steps;
}
