/**
 * Before anything runs: every host tool the build needs, found at once (all missing ones in one
 * error, each with why it is needed); then every input that would otherwise fail only after the
 * build (the places it writes to, the output names, --qemu-img-options), reported together.
 */
import { join } from 'node:path';
import { ensureEmulation } from '../arch/emulation.js';
import { hostArchInfo, resolveArch } from '../arch/index.js';
import type { BuildConfig } from '../config/build-config.js';
import { readSettings } from '../config/read-settings.js';
import { distroDriver } from '../distros/index.js';
import { KilnError, throwIfProblems, ValidationErrors } from '../errors.js';
import { Runner } from '../exec/runner.js';
import { findTool } from '../exec/tools.js';
import { type Logger, silentLogger } from '../log.js';
import { checkOutputRequest, checkQemuImgOptions, planOutputs } from '../outputs/index.js';
import { currentIdentity, isHostRoot } from '../sandbox/identity.js';
import { checkDirectoryTarget } from './path-checks.js';
import { needsDisk, type BuildPlan } from './plan.js';
import type { Step, ToolNeed } from './step.js';

/**
 * What every command needs, whatever the steps: the Runner starts each through setpriv in a pid
 * namespace (src/exec/lifeline.ts). newuidmap is not among them: only a user with subordinate ids
 * needs it (sandbox/environment.ts checks it there, with its setuid bit), not fakeroot mode.
 */
export function baseTools(): ToolNeed[] {
  const tools: ToolNeed[] = [
    { tool: 'unshare', why: 'sandboxes the in-target phases; gives every command a pid namespace that dies with Kiln (util-linux)' },
    { tool: 'setpriv', why: "ties every command to Kiln's life (--pdeathsig; util-linux)" },
  ];
  return tools;
}

/** The base tools and the union of the steps' needs (a tool several steps need is listed with every reason). */
export function requiredTools(config: BuildConfig, plan: BuildPlan, steps: Step[]): ToolNeed[] {
  return [...baseTools(), ...steps.flatMap((s) => s.needs(config, plan))];
}

export async function preflight(config: BuildConfig, plan: BuildPlan, steps: Step[], runner: Runner = new Runner(), log: Logger = silentLogger): Promise<void> {
  checkArchitecture(config, plan, log);
  const missing = new Map<string, string[]>();
  for (const { tool, why } of requiredTools(config, plan, steps)) {
    if (findTool(tool, config.hostPath)) continue;
    missing.set(tool, [...(missing.get(tool) ?? []), why]);
  }
  if (missing.size > 0) {
    const lines = [...missing].map(([t, whys]) => `  ${t}: ${[...new Set(whys)].join('; ')}`).join('\n');
    throw new KilnError(`missing host tools:\n${lines}`, { hint: 'run scripts/setup, or install the packages that provide them' });
  }
  throwIfProblems('the build cannot start', await checkInputs(config, plan, runner));
}

/**
 * The target architecture, before anything else: the distro must have it, and a foreign one needs
 * qemu-user through binfmt_misc for every in-tree step (registered here as root when it can be).
 */
export function checkArchitecture(config: BuildConfig, plan: BuildPlan, log: Logger, host = hostArchInfo()): void {
  const target = resolveArch(config.arch);
  if (plan.bootstrap) {
    const driver = distroDriver(plan.bootstrap.driver);
    const have = driver.architectures({ settings: readSettings(config.env, config.flags, 'bootstrap') });
    if (!have.includes(target.name)) {
      throw new KilnError(`${plan.bootstrap.element} cannot build ${target.name} images`, {
        where: `ARCH=${config.arch}`,
        hint: `Kiln builds ${plan.bootstrap.driver} for ${have.join(', ')}`,
      });
    }
  }
  if (!host) {
    log.warn(`the host architecture (${process.arch}) is not in Kiln's table: building ${target.name} as if it ran natively`);
    return;
  }
  const done = ensureEmulation(target, {
    host,
    binfmtDir: config.binfmtDir,
    binfmtDataDir: config.binfmtDataDir,
    // binfmt_misc takes registrations from the host's root only
    canRegister: isHostRoot(currentIdentity()),
  });
  if (done) log.info(done);
}

/** The problems a build would meet only after its hooks have run, found now. */
export async function checkInputs(config: BuildConfig, plan: BuildPlan, runner: Runner): Promise<KilnError[]> {
  const problems: KilnError[] = [];
  const add = (p: KilnError | undefined): void => {
    if (p) problems.push(p);
  };
  add(
    await checkDirectoryTarget({
      path: config.tmpDir,
      where: `TMP_DIR=${config.tmpDir}`,
      hint: 'set TMP_DIR to a writable directory on a real filesystem (the default is /tmp)',
    }),
  );
  // exported to every hook as DIB_IMAGE_CACHE; Kiln itself writes there for a cached bootstrap
  add(
    await checkDirectoryTarget(
      {
        path: config.cacheDir,
        where: `DIB_IMAGE_CACHE=${config.cacheDir}`,
        hint: 'set --image-cache (DIB_IMAGE_CACHE) to a writable directory on a real filesystem',
      },
      { mustBeWritable: !!plan.bootstrap && config.useCache },
    ),
  );
  add(
    await checkDirectoryTarget({
      path: config.outDir,
      where: `-o ${join(config.outDir, config.imageName)}`,
      hint: 'give -o a path in a directory you can write to',
    }),
  );

  const outputs = planOutputs(config.imageTypes);
  try {
    checkOutputRequest(
      { imageName: config.imageName, ...(config.dockerTarget ? { dockerTarget: config.dockerTarget } : {}), ...(config.push ? { push: config.push } : {}) },
      outputs,
      needsDisk(config),
    );
  } catch (e) {
    if (!(e instanceof KilnError)) throw e;
    problems.push(...(e instanceof ValidationErrors ? e.problems : [e]));
  }
  const qemu = outputs.flatMap((f) => (f.qemuFormat ? [{ name: f.name, qemuFormat: f.qemuFormat }] : []));
  if (config.qemuImgOptions !== undefined && qemu.length > 0) problems.push(...(await checkQemuImgOptions(runner, config.qemuImgOptions, qemu)));
  return problems;
}
