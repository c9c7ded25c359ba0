/**
 * Runs a build: plans it, checks the host (preflight), takes the output lock, makes the workspace
 * and the Build value, then runs the steps of steps.ts in order, each timed and reported; cleanup
 * runs however the build ends. No step imports this module. The CLI renders the steps (listr2 or plain
 * lines) through BuildReporter and prints the timing summary from the returned report.
 */
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { removeDeadTemps } from '../cache/index.js';
import { CleanupStack } from '../cleanup.js';
import type { BuildConfig } from '../config/build-config.js';
import { asCleanup, Runner } from '../exec/runner.js';
import { interruptOf } from '../errors.js';
import type { Logger } from '../log.js';
import { acquireOutputLock } from '../outputs/index.js';
import type { PhaseEvents } from '../phases/execute.js';
import { materializeHooks } from '../phases/hooks-dir.js';
import type { PhaseName } from '../phases/phases.js';
import { checkEnvironment } from '../sandbox/environment.js';
import { currentIdentity, withFakerootDb } from '../sandbox/identity.js';
import { unmountUnder } from '../sandbox/mounts.js';
import { LIBEXEC, removeTree } from '../sandbox/sandbox.js';
import { Build } from './build.js';
import { hookEnvironment, writeDibPythonWrapper } from './hook-env.js';
import { needsDisk, planBuild, type BuildPlan } from './plan.js';
import { preflight } from './preflight.js';
import { buildSteps } from './steps.js';
import { runStep, type Step } from './step.js';
import { createWorkspace } from './workspace.js';

export interface BuildReporter extends PhaseEvents {
  /** called once with every step the build will run, before the first one starts */
  planned?(steps: { id: string; title: string; phase?: PhaseName; scripts?: string[] }[]): void;
  stepStart?(id: string): void;
  stepEnd?(id: string, ok: boolean, ms: number): void;
}

export interface BuildReport {
  steps: { id: string; title: string; ms: number }[];
  /** the resolved element set, in build order */
  elements: string[];
  outputs: string[];
  workspace: string;
  totalMs: number;
}

export interface BuildOptions {
  log: Logger;
  reporter?: BuildReporter;
  breaks?: Set<string>;
  breakCmd?: string;
  breakOutsideTarget?: boolean;
  /** called as soon as the workspace exists, so an interrupted build can name it */
  onWorkspace?(path: string): void;
  /** the CLI registers its signal handlers against this */
  cleanup?: CleanupStack;
}

export async function build(config: BuildConfig, opts: BuildOptions): Promise<BuildReport> {
  const started = Date.now();
  const log = opts.log;
  for (const n of config.notices) log.info(n);
  const user = currentIdentity();
  const environment = checkEnvironment(user, config.hostPath);
  if (environment.kind === 'fakeroot') log.info(`${environment.why}: the tree's owners are recorded in a fakeroot database`);
  const plan: BuildPlan = planBuild(config);
  for (const o of plan.overrides) log.warn(`Element ${o.winner} overrides ${o.loser}`);
  for (const s of plan.substitutions) log.info(`Element ${s.name}: Kiln's ${s.by} runs in place of ${s.replaced} (${s.why})`);
  log.info(`elements: ${plan.elements.map((e) => e.name).join(' ')}`);
  // -x: the files in phase directories that will not run, and why (the docs promise it)
  if (config.debugTrace > 0) for (const x of plan.hooks.ignored) log.info(`not run: ${x.element}/${x.relPath} (${x.why})`);
  if (needsDisk(config) && !plan.elements.some((e) => e.name === 'bootloader')) {
    // as in DIB, a disk image without the bootloader element holds no boot code: say so up front
    const bare = plan.layout?.source === 'fallback' ? ' is a bare filesystem without a partition table or boot code (as in DIB) and' : '';
    log.warn(`no bootloader element: the disk image${bare} will not boot by itself (add vm, or bootloader and a block-device-* element)`);
  }

  const runner = new Runner(log);
  const steps: Step[] = buildSteps(config, plan);
  await preflight(config, plan, steps, runner, log);
  // what builds that were killed left in the cache (their temporary tarballs)
  for (const n of removeDeadTemps(config.cacheDir)) log.info(`cache: removed ${n}, left by a build that was killed`);

  const cleanup = opts.cleanup ?? new CleanupStack(log);
  // before any work: a second build of the same outputs fails now (or waits), not at the end
  const lock = await acquireOutputLock(config.outDir, config.imageName, { wait: config.wait, log });
  cleanup.push('release the output lock', () => lock.release());
  const ws = await orCleanUp(cleanup, () => createWorkspace(config.tmpDir));
  opts.onWorkspace?.(ws.root);
  const identity = environment.kind === 'fakeroot' ? withFakerootDb(user, join(ws.root, 'fakeroot.db')) : user;
  // Host hooks share the host's mount table (DIB's dpkg element binds the host's apt cache into
  // the tree): whatever they leave mounted under the workspace is unmounted when the build ends,
  // however it ends, after every command is dead (LIFO), so a kept workspace never holds a mount.
  cleanup.push('unmount what hooks mounted', async () => {
    const done = await unmountUnder({ runner, log }, ws.root);
    if (done.length > 0) log.info(`unmounted what host hooks left mounted in the workspace: ${done.join(', ')}`);
  });
  cleanup.push('kill commands', () => runner.killAll());

  await orCleanUp(cleanup, () => {
    materializeHooks(plan.elements, ws.hooks);
    copyFileSync(join(LIBEXEC, 'kiln-run-parts'), join(ws.hooks, 'kiln-run-parts'));
    writeDibPythonWrapper(ws, plan.elements);
  });
  // tells the OS element to put LVM tools in the image (and its initramfs)
  const env = hookEnvironment(config, ws, plan.elements, plan.layout?.hasLvm ? { DIB_KILN_HAS_LVM: '1' } : {});
  const b = new Build({
    config,
    plan,
    ws,
    runner,
    log,
    identity,
    cleanup,
    env,
    phases: {
      breaks: opts.breaks ?? new Set<string>(),
      breakOutsideTarget: !!opts.breakOutsideTarget,
      ...(opts.breakCmd ? { breakCmd: opts.breakCmd } : {}),
      ...(opts.reporter ? { events: opts.reporter } : {}),
    },
  });

  opts.reporter?.planned?.(
    steps.map((s) => ({
      id: s.id,
      title: s.title,
      ...(s.kind === 'phase' ? { phase: s.phase, scripts: plan.hooks.phases[s.phase].map((h) => h.name) } : {}),
    })),
  );
  const report: BuildReport = { steps: [], elements: plan.elements.map((e) => e.name), outputs: [], workspace: ws.root, totalMs: 0 };
  let ok = false;
  try {
    for (const step of steps) {
      const t = Date.now();
      opts.reporter?.stepStart?.(step.id);
      try {
        await runStep(step, b);
      } catch (e) {
        opts.reporter?.stepEnd?.(step.id, false, Date.now() - t);
        throw e;
      }
      const ms = Date.now() - t;
      opts.reporter?.stepEnd?.(step.id, true, ms);
      report.steps.push({ id: step.id, title: step.title, ms });
    }
    ok = true;
  } catch (e) {
    // an interrupt is reported by the CLI, which names the workspace too
    if (!interruptOf(e)) log.error(`the build failed; its workspace is kept for debugging: ${ws.root}`);
    throw e;
  } finally {
    await cleanup.run();
    if (ok && !config.keepWorkspace) {
      await asCleanup(() => removeTree(b, ws.root)).catch((e) => log.warn(`the workspace is kept: ${(e as Error).message}`));
    }
  }
  report.outputs = b.outputs;
  report.totalMs = Date.now() - started;
  return report;
}

/** A setup step before the steps' try: if it throws, clean up (release the output lock) first. */
async function orCleanUp<T>(cleanup: CleanupStack, fn: () => T): Promise<T> {
  try {
    return fn();
  } catch (e) {
    await cleanup.run();
    throw e;
  }
}
