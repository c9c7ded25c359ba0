/**
 * The steps of a build, in order. Phase steps run a hook phase; the others are Kiln's own stages.
 * Stages contributed by the block-device, bootloader, distro and output layers are listed here
 * too, so this file reads like the data flow of ARCHITECTURE.md.
 */
import type { BuildConfig } from '../config/build-config.js';
import type { BuildContext } from '../context.js';
import { distroDriver } from '../distros/index.js';
import { Runner } from '../exec/runner.js';
import { silentLogger } from '../log.js';
import { currentIdentity } from '../sandbox/identity.js';
import type { BootstrapRequest } from '../distros/types.js';
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
  if (plan.bootstrap) steps.push(bootstrapStep(config, plan.bootstrap.driver));
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
  return steps;
}

function bootstrapStep(config: BuildConfig, name: string): Step {
  const driver = distroDriver(name);
  // tools() is asked during preflight, before the workspace exists
  const request = (ctx: BuildContext | undefined, env: Record<string, string>): BootstrapRequest => ({
    arch: config.arch, env, cacheDir: config.cacheDir, useCache: config.useCache, offline: config.offline,
    target: ctx?.ws.tree ?? '', runner: ctx?.runner ?? new Runner(), log: ctx?.log ?? silentLogger,
    identity: ctx?.identity ?? currentIdentity(),
  });
  return {
    id: 'bootstrap',
    title: `bootstrap the tree (${name})`,
    tools: driver.tools(request(undefined, { ...config.env })),
    run: (ctx, _state, env) => driver.bootstrap(request(ctx, env)),
  };
}
