/**
 * The steps of a build, in order. Phase steps run a hook phase; the others are Kiln's own stages.
 * Stages contributed by the block-device, bootloader, distro and output layers are listed here
 * too, so this file reads like the data flow of ARCHITECTURE.md.
 */
import type { BuildConfig } from '../config/build-config.js';
import { readSettings } from '../config/read-settings.js';
import type { BuildContext } from '../context.js';
import { distroDriver } from '../distros/index.js';
import { Runner } from '../exec/runner.js';
import { silentLogger } from '../log.js';
import { currentIdentity } from '../sandbox/identity.js';
import type { BootstrapRequest } from '../distros/types.js';
import type { PhaseName } from '../phases/phases.js';
import type { Step } from './types.js';
import { runInTree, TARGET_PATH } from '../sandbox/sandbox.js';
import { outputFormat, outputTools, writeOutputs } from '../outputs/index.js';
import { writeBootConfig, installBootCode } from './boot.js';
import { bootTestOutput } from './boot-test.js';
import { sourcedEnvironment } from './environment-d.js';
import { assembleImage, planAndWriteFstab, planFinalLayout } from './layout.js';
import { outputRequest } from './output-request.js';
import { preparePackages } from './packages.js';
import { needsDisk, type BuildPlan } from './plan.js';
import { checkTreeDeployed, finaliseBase, installHostAptConf, installHostResolvConf } from './tree-prep.js';
import { hostAptConfig } from '../distros/host-apt.js';
import { mkfsTools, type FsType } from '../block-device/mkfs/index.js';
import { Tree } from '../tree/fs.js';

const phaseStep = (phase: PhaseName): Step => ({ id: phase, title: phase, phase });

/** Run with the hooks' view of the environment (environment.d sourced), as host stages must agree with it. */
async function withSourcedEnv<T>(
  ctx: BuildContext,
  plan: BuildPlan,
  env: Record<string, string>,
  fn: (full: Record<string, string>) => Promise<T>,
): Promise<T> {
  return fn(await sourcedEnvironment(ctx, plan.hooks, env));
}

export function buildSteps(config: BuildConfig, plan: BuildPlan): Step[] {
  const steps: Step[] = [];
  if (plan.bootstrap) steps.push(bootstrapStep(config, plan.bootstrap.driver));
  steps.push(
    phaseStep('root.d'),
    {
      id: 'check-tree',
      title: 'check the root tree',
      run: async (ctx) => {
        const tree = new Tree(ctx.ws.tree);
        checkTreeDeployed(tree);
        installHostResolvConf(tree);
        installHostAptConf(tree, await hostAptConfig(ctx.runner));
      },
    },
    phaseStep('extra-data.d'),
    { id: 'packages-squash', title: 'squash package-installs and pkg-map', run: (ctx, _s, env) => preparePackages(ctx, plan.elements, plan.hooks, env) },
    phaseStep('pre-install.d'),
    phaseStep('install.d'),
  );
  if (config.packages.length > 0) {
    steps.push({
      id: 'packages',
      title: `install ${config.packages.join(' ')} (-p)`,
      run: async (ctx, _s, env) => {
        await runInTree(ctx, ctx.ws.tree, ctx.ws.hooks, ['install-packages', ...config.packages], {
          env: { ...env, PATH: TARGET_PATH, HOME: '/root' },
          extendEnv: false,
          stream: true,
          context: '-p packages',
        });
      },
    });
  }
  steps.push(phaseStep('post-install.d'), phaseStep('post-root.d'), phaseStep('block-device.d'));
  const disk = needsDisk(config);
  const bootable = disk && plan.elements.some((e) => e.name === 'bootloader');
  if (disk) {
    steps.push({
      id: 'layout',
      title: 'plan the disk layout and write /etc/fstab',
      tools: [{ tool: 'du', why: 'measures the tree' }],
      run: (ctx, state, env) => withSourcedEnv(ctx, plan, env, (full) => planAndWriteFstab(ctx, state, plan.elements, full)),
    });
  }
  steps.push(
    phaseStep('pre-finalise.d'),
    phaseStep('finalise.d'),
    // cleanup.d runs before assembly: the tree is the image's content (there is no mounted image
    // to change afterwards), so what cleanup.d removes must be gone before the filesystems are made.
    phaseStep('cleanup.d'),
    { id: 'finalise-tree', title: 'finalise the tree', run: (ctx) => finaliseBase(ctx, new Tree(ctx.ws.tree)) },
  );
  if (disk) {
    steps.push({
      id: 'assemble',
      title: bootable ? 'assemble the disk and write the boot code' : 'assemble the disk',
      tools: [
        ...(plan.layout?.fsTypes ?? []).flatMap((t) => mkfsTools(t as FsType)),
        ...(bootable
          ? [
              { tool: 'grub-mkimage', why: 'builds the GRUB images (grub-common)' },
              { tool: 'mcopy', why: 'copies GRUB onto the ESP (mtools)' },
            ]
          : []),
      ],
      run: (ctx, state, env) =>
        withSourcedEnv(ctx, plan, env, async (full) => {
          const bd = await planFinalLayout(ctx, state, plan.elements, full);
          if (bootable) writeBootConfig(ctx, bd, full);
          const image = await assembleImage(ctx, state, bd);
          if (bootable) await installBootCode(ctx, bd, image);
        }),
    });
  }
  steps.push({
    id: 'outputs',
    title: `write ${config.imageTypes.join(', ')}`,
    tools: outputTools(outputRequest(config), config.imageTypes),
    run: async (ctx, state) => {
      const results = await writeOutputs(outputRequest(config, ctx, state.rawImage), config.imageTypes);
      for (const r of results) state.outputs.push(...r.files, ...r.checksums);
      state.diskOutputs = results.filter((r) => outputFormat(r.format).needs === 'disk').flatMap((r) => r.files);
    },
  });
  if (config.bootTest) {
    steps.push({
      id: 'boot-test',
      title: 'boot the image in QEMU',
      tools: [{ tool: 'qemu-system-x86_64', why: '--boot-test (qemu-system-x86)' }],
      run: (ctx, state) => bootTestOutput(ctx, state),
    });
  }
  return steps;
}

function bootstrapStep(config: BuildConfig, name: string): Step {
  const driver = distroDriver(name);
  // tools() is asked during preflight, before the workspace exists
  const request = (ctx: BuildContext | undefined, env: Record<string, string>): BootstrapRequest => ({
    arch: config.arch,
    settings: readSettings(env, config.flags, 'bootstrap'),
    cacheDir: config.cacheDir,
    useCache: config.useCache,
    offline: config.offline,
    target: ctx?.ws.tree ?? '',
    ...(ctx ? { tmpDir: ctx.ws.tmp } : {}),
    runner: ctx?.runner ?? new Runner(),
    log: ctx?.log ?? silentLogger,
    identity: ctx?.identity ?? currentIdentity(),
  });
  return {
    id: 'bootstrap',
    title: `bootstrap the tree (${name})`,
    tools: driver.tools(request(undefined, { ...config.env })),
    run: (ctx, _state, env) => driver.bootstrap(request(ctx, env)),
  };
}
