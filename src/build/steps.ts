/**
 * The steps of a build, in order: the data flow of docs/architecture.md. Phase steps run a hook
 * phase; stage steps are Kiln's own, each a function of the Build in a module of its own. Every
 * step says which host tools it needs (preflight asks for the union).
 */
import { mkfsTools, type FsType } from '../block-device/mkfs/index.js';
import type { BuildConfig } from '../config/build-config.js';
import { outputTools } from '../outputs/index.js';
import { assemble } from './assemble.js';
import { bootTestOutput } from './boot-test.js';
import { bootstrapStep } from './bootstrap.js';
import { frameLayout, writeLayoutFstab } from './layout.js';
import { outputRequest, writeBuildOutputs } from './outputs.js';
import { offerPackageCache, keepPackageCache } from './package-cache.js';
import { installPackages, squashPackages } from './packages.js';
import { applyPin, checkPin } from './pin.js';
import { capturePackageSources, writePinRecord } from './pin-record.js';
import { needsDisk, type BuildPlan } from './plan.js';
import { phaseStep, stage, type Step } from './step.js';
import { relabelTree } from './selinux.js';
import { finaliseTree, prepareTree } from './tree-prep.js';

export function buildSteps(config: BuildConfig, plan: BuildPlan): Step[] {
  const disk = needsDisk(config);
  const bootable = disk && plan.elements.some((e) => e.name === 'bootloader');
  const apt = plan.elements.some((e) => e.name === 'dpkg');
  const pin = config.pinFile !== undefined;
  const aptCache = config.useCache && apt;
  return [
    // before any work: the layout's YAML, ids and fstab, from the hooks' view of the environment
    ...(disk ? [stage('frame-layout', 'frame the disk layout', frameLayout)] : []),
    ...(plan.bootstrap ? [bootstrapStep(plan.bootstrap.driver)] : []),
    phaseStep('root.d'),
    stage('check-tree', 'check the root tree', prepareTree),
    phaseStep('extra-data.d'),
    stage('packages-squash', 'squash package-installs and pkg-map', squashPackages),
    // as DIB's dpkg element (DIB_APT_LOCAL_CACHE): the .debs apt downloads are kept between builds
    ...(aptCache ? [stage('package-cache-in', 'offer the package cache to apt', offerPackageCache)] : []),
    ...(pin && apt ? [stage('pin-apply', 'pin apt to the recorded versions (--pin)', applyPin)] : []),
    phaseStep('pre-install.d'),
    phaseStep('install.d'),
    ...(config.packages.length > 0 ? [stage('packages', `install ${config.packages.join(' ')} (-p)`, installPackages)] : []),
    phaseStep('post-install.d'),
    ...(aptCache ? [stage('package-cache-out', 'keep the downloaded packages in the package cache', keepPackageCache)] : []),
    ...(apt ? [stage('package-sources', 'note where the installed packages came from', capturePackageSources)] : []),
    phaseStep('post-root.d'),
    phaseStep('block-device.d'),
    ...(disk ? [stage('fstab', 'write /etc/fstab from the disk layout', writeLayoutFstab)] : []),
    phaseStep('pre-finalise.d'),
    phaseStep('finalise.d'),
    // cleanup.d runs before assembly: the tree is the image's content (there is no mounted image
    // to change afterwards), so what cleanup.d removes must be gone before the filesystems are made.
    phaseStep('cleanup.d'),
    ...(pin
      ? [
          stage('pin-check', 'check the packages against the record (--pin)', checkPin, () =>
            apt ? [{ tool: 'dpkg-deb', why: '--pin: reads the cached packages for the local repository' }] : [],
          ),
        ]
      : []),
    stage('finalise-tree', 'finalise the tree', finaliseTree),
    // the tree is final: label it for its SELinux policy (if it has one) before filesystems and outputs are made
    stage('selinux', "label the files for the image's SELinux policy", async (b) => {
      const state = await relabelTree(b);
      if (state) b.selinux = state;
    }),
    ...(disk
      ? [
          stage(
            'assemble',
            bootable ? 'size the layout, assemble the disk and write the boot code' : 'size the layout and assemble the disk',
            (b) => assemble(b, bootable),
            (_config, p) => [
              { tool: 'du', why: 'measures the tree' },
              ...(p.layout?.fsTypes ?? []).flatMap((t) => mkfsTools(t as FsType)),
              ...(bootable
                ? [
                    { tool: 'grub-mkimage', why: 'builds the GRUB images (grub-common)' },
                    { tool: 'mcopy', why: 'copies GRUB onto the ESP (mtools)' },
                  ]
                : []),
            ],
          ),
        ]
      : []),
    stage('outputs', `write ${config.imageTypes.join(', ')}`, writeBuildOutputs, (c) => outputTools(outputRequest(c), c.imageTypes)),
    stage('pin-record', `record what the build used (${config.imageName}.d/pin.json)`, writePinRecord),
    ...(config.bootTest
      ? [stage('boot-test', 'boot the image in QEMU', bootTestOutput, () => [{ tool: 'qemu-system-x86_64', why: '--boot-test (qemu-system-x86)' }])]
      : []),
  ];
}
