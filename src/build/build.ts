/**
 * The Build: what a build's steps read and extend. The fixed parts (config, plan, workspace, runner,
 * log, identity, cleanup, the hooks' environment) are set when the build starts; every product of a
 * step (the layout's frame, the measured tree, the sized layout, the raw image, the outputs) is a
 * typed field, written once by the step that makes it. Reading a product before its step ran is a
 * bug in the step list (an internal error, exit 70), never undefined.
 */
import type { CacheEntry } from '../cache/store.js';
import type { BlockDeviceFrame, BlockDevicePlan } from '../block-device/index.js';
import type { CleanupStack } from '../cleanup.js';
import type { BuildConfig } from '../config/build-config.js';
import type { Runner } from '../exec/runner.js';
import type { Logger } from '../log.js';
import type { PhaseContext, PhaseEvents } from '../phases/execute.js';
import type { BuildFacts } from '../report/index.js';
import type { Identity } from '../sandbox/identity.js';
import type { SelinuxState } from '../tree/selinux-labels.js';
import type { EpochRecord } from './epoch.js';
import type { CapturedSources, PinRecord } from './pin-types.js';
import type { BuildPlan } from './plan.js';
import type { Workspace } from './workspace.js';

export type { Workspace };

/** The final tree, as measured for the image size (`du -s -x -k`). */
export interface MeasuredTree {
  dir: string;
  usedKiB: number;
}

/** DIB's `break` and the progress events of the hook phases. */
export interface PhaseOptions {
  breaks: Set<string>;
  breakCmd?: string;
  breakOutsideTarget: boolean;
  events?: PhaseEvents;
}

export interface BuildBase {
  config: BuildConfig;
  plan: BuildPlan;
  ws: Workspace;
  runner: Runner;
  log: Logger;
  identity: Identity;
  cleanup: CleanupStack;
  /** the environment every hook gets (dib-compat 2), before environment.d */
  env: Record<string, string>;
  phases: PhaseOptions;
  /** the epoch known when the build starts (epoch.ts) */
  epochRecord: EpochRecord;
}

export class Build implements BuildBase {
  readonly config: BuildConfig;
  readonly plan: BuildPlan;
  readonly ws: Workspace;
  readonly runner: Runner;
  readonly log: Logger;
  readonly identity: Identity;
  readonly cleanup: CleanupStack;
  readonly env: Record<string, string>;
  readonly phases: PhaseOptions;
  /** every file written to the output directory (images and checksums), in order */
  readonly outputs: string[] = [];
  /** what the build report shows (src/report), recorded by the steps that know it */
  readonly facts: BuildFacts = {};
  /** the cached bootstrap the tree came from (the bootstrap step), if it came from one */
  bootstrapEntry?: CacheEntry;
  /** what in-target hooks get besides the build's environment (the initramfs cache's wrapper) */
  inTarget?: { pathPrefix: string; env: Record<string, string> };
  /** what the selinux step did when the tree has a policy (build/selinux.ts); absent otherwise */
  selinux?: SelinuxState;
  /** apt trees: where the packages came from, read before cleanup.d removes the lists (pin-record.ts) */
  packageSources?: CapturedSources;
  /** --pin: the record this build is rebuilt from (pin.ts) */
  pin?: PinRecord;
  /** --pin: the directories applyPin changed (their mtimes) and made, for checkPin (pin.ts) */
  pinDirTimes?: { before: Map<string, bigint>; after: Map<string, bigint> };
  pinMadeDirs?: string[];
  /** the host tools the steps need (preflight's list; recorded in pin.json) */
  usedTools?: string[];

  #epoch: EpochRecord;
  #frame?: BlockDeviceFrame;
  #tree?: MeasuredTree;
  #layout?: BlockDevicePlan;
  #rawImage?: string;
  #diskOutputs?: string[];

  constructor(b: BuildBase) {
    this.config = b.config;
    this.plan = b.plan;
    this.ws = b.ws;
    this.runner = b.runner;
    this.log = b.log;
    this.identity = b.identity;
    this.cleanup = b.cleanup;
    this.env = b.env;
    this.phases = b.phases;
    this.#epoch = b.epochRecord;
    this.env.SOURCE_DATE_EPOCH = String(b.epochRecord.epoch);
  }

  /** SOURCE_DATE_EPOCH of the image: the user's, or the inputs' default (epoch.ts) */
  get epoch(): number {
    return this.#epoch.epoch;
  }
  /** where the epoch came from */
  get epochRecord(): EpochRecord {
    return this.#epoch;
  }
  /** the bootstrap step settles a default epoch; the hooks see it from root.d on */
  set epochRecord(r: EpochRecord) {
    this.#epoch = r;
    this.env.SOURCE_DATE_EPOCH = String(r.epoch);
  }

  /** the layout without sizes: ids, mounts, fstab (the frame-layout step) */
  get frame(): BlockDeviceFrame {
    return produced(this.#frame, 'the layout frame');
  }
  set frame(v: BlockDeviceFrame) {
    this.#frame = once(this.#frame, v, 'the layout frame');
  }
  /** the final tree, measured (the assemble step, after cleanup.d) */
  get tree(): MeasuredTree {
    return produced(this.#tree, 'the measured tree');
  }
  set tree(v: MeasuredTree) {
    this.#tree = once(this.#tree, v, 'the measured tree');
  }
  /** the frame sized from the final tree (the assemble step) */
  get layout(): BlockDevicePlan {
    return produced(this.#layout, 'the sized layout');
  }
  set layout(v: BlockDevicePlan) {
    this.#layout = once(this.#layout, v, 'the sized layout');
  }
  /** the assembled disk image, or the bare filesystem image of a layout without a table (assemble) */
  get rawImage(): string {
    return produced(this.#rawImage, 'the raw image');
  }
  set rawImage(v: string) {
    this.#rawImage = once(this.#rawImage, v, 'the raw image');
  }
  /** the disk-format outputs (qcow2, raw, vhd, ...; the outputs step) */
  get diskOutputs(): string[] {
    return produced(this.#diskOutputs, 'the disk outputs');
  }
  set diskOutputs(v: string[]) {
    this.#diskOutputs = once(this.#diskOutputs, v, 'the disk outputs');
  }

  /** What the phase executor gets. */
  phaseContext(): PhaseContext {
    return {
      log: this.log,
      identity: this.identity,
      hooksDir: this.ws.hooks,
      treeDir: this.ws.tree,
      workspace: this.ws.root,
      plan: this.plan.hooks,
      env: this.env,
      breaks: this.phases.breaks,
      breakOutsideTarget: this.phases.breakOutsideTarget,
      ...(this.phases.breakCmd ? { breakCmd: this.phases.breakCmd } : {}),
      ...(this.phases.events ? { events: this.phases.events } : {}),
      ...(this.inTarget ? { targetPathPrefix: this.inTarget.pathPrefix, targetEnv: this.inTarget.env } : {}),
    };
  }
}

function produced<T>(v: T | undefined, what: string): T {
  if (v === undefined) throw new Error(`internal: ${what} is read before the step that makes it ran (src/build/steps.ts)`);
  return v;
}

function once<T>(old: T | undefined, v: T, what: string): T {
  if (old !== undefined) throw new Error(`internal: ${what} is made twice`);
  return v;
}
