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
import { hookRecorder, type HookTiming, type ReportFiles, writeBuildReport } from '../report/index.js';
import { LIBEXEC, removeTree } from '../sandbox/sandbox.js';
import { kilnVersion } from '../version.js';
import { Build } from './build.js';
import { formatEpoch, initialEpoch } from './epoch.js';
import { hookEnvironment, writeDibPythonWrapper } from './hook-env.js';
import { installInitramfsCache } from './initramfs-cache.js';
import { LAYER_CUT } from './layer-key.js';
import { markWorkspace, planLayer, restoreLayerStep, stepsBeforeCut, storeLayerStep, type WorkspaceMark } from './layer-cache.js';
import { loadPinRecord } from './pin.js';
import { needsDisk, planBuild, type BuildPlan } from './plan.js';
import { preflight, requiredTools } from './preflight.js';
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
  /** startMs: from the build's start */
  steps: { id: string; title: string; startMs: number; ms: number }[];
  /** the resolved element set, in build order */
  elements: string[];
  outputs: string[];
  workspace: string;
  totalMs: number;
  /** each hook that ran, in order, with its phase and element (startMs: from the build's start) */
  hooks: HookTiming[];
  /** NAME.d/report.html and NAME.d/sbom.spdx.json (src/report); absent when they could not be written */
  report?: ReportFiles;
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
  if (environment.kind === 'userns-root')
    log.info(`root of a user namespace that maps ${environment.count} ids (a rootless container's root): the tree's owners are real; no device node is made`);
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
  const pin = config.pinFile !== undefined ? loadPinRecord(config.pinFile) : undefined;
  let steps: Step[] = buildSteps(config, plan);
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
  // each hook's timing for the build report, the events passed on to the progress view
  const timeline = hookRecorder(started, opts.reporter);
  const env = hookEnvironment(config, ws, plan.elements, plan.layout?.hasLvm ? { DIB_KILN_HAS_LVM: '1' } : {});
  const b = new Build({
    config,
    epochRecord: initialEpoch(config.sourceDateEpoch, plan.elements, pin?.epoch.epoch),
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
      events: timeline.events,
    },
  });

  if (pin) b.pin = pin;
  b.usedTools = requiredTools(config, plan, steps).map((t) => t.tool);
  if (!plan.bootstrap) log.info(formatEpoch(b.epochRecord));
  installInitramfsCache(b);
  steps = await orCleanUp(cleanup, () => withLayerCache(b, steps));

  opts.reporter?.planned?.(
    steps.map((s) => ({
      id: s.id,
      title: s.title,
      ...(s.kind === 'phase' ? { phase: s.phase, scripts: plan.hooks.phases[s.phase].map((h) => h.name) } : {}),
    })),
  );
  const report: BuildReport = { steps: [], hooks: timeline.hooks, elements: plan.elements.map((e) => e.name), outputs: [], workspace: ws.root, totalMs: 0 };
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
      report.steps.push({ id: step.id, title: step.title, startMs: t - started, ms });
    }
    report.report = writeReport(config, b, report, timeline.hooks, Date.now() - started);
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

/** NAME.d/report.html and sbom.spdx.json, under the output lock; the outputs are whole, so a failure here is a warning. */
function writeReport(config: BuildConfig, b: Build, report: BuildReport, hooks: HookTiming[], totalMs: number): ReportFiles | undefined {
  try {
    return writeBuildReport({
      kilnVersion: kilnVersion(),
      imageName: config.imageName,
      outDir: config.outDir,
      arch: config.arch,
      epoch: b.epoch,
      requestedElements: [...config.elements],
      elements: report.elements,
      outputs: b.outputs,
      steps: report.steps,
      hooks,
      totalMs,
      facts: b.facts,
    });
  } catch (e) {
    b.log.warn(`the build report was not written: ${(e as Error).message}`);
    return undefined;
  }
}

/**
 * The layer cache (layer-cache.ts): with a valid layer, its unpack replaces the steps up to the
 * cut; without one, the layer is stored after the cut; the steps as they were when none can be used.
 */
async function withLayerCache(b: Build, steps: Step[]): Promise<Step[]> {
  if (b.pin) {
    // the record's package versions are not part of a layer's key
    b.log.info('layer cache: not used: --pin rebuilds from its record');
    return steps;
  }
  const layer = await planLayer(b);
  if (layer.why || !layer.key || !layer.inputs) {
    b.log.info(`layer cache: not used: ${layer.why ?? 'no key'}`);
    return steps;
  }
  const skipped = stepsBeforeCut(steps);
  if (skipped.length === 0) return steps;
  if (layer.hit) {
    const first = steps.indexOf(skipped[0]!);
    return [...steps.slice(0, first), restoreLayerStep(layer.hit, skipped), ...steps.slice(first + skipped.length)];
  }
  b.log.info(`layer cache: no layer ${layer.key.slice(0, 12)} yet: every phase runs, and the tree is stored after ${LAYER_CUT}`);
  const mark: WorkspaceMark = markWorkspace(b);
  const cut = steps.indexOf(skipped.at(-1)!);
  return [...steps.slice(0, cut + 1), storeLayerStep({ key: layer.key, inputs: layer.inputs }, () => mark), ...steps.slice(cut + 1)];
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
