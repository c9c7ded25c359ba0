/** --boot-test: boot the first disk output in QEMU and wait for the login prompt. */
import type { BlockDevicePlan } from '../block-device/index.js';
import type { BuildContext } from '../context.js';
import { KilnError } from '../errors.js';
import { bootTest } from '../vm/index.js';
import { bootModeOf, bootTargetOf } from './boot.js';
import type { BuildState } from './types.js';

export async function bootTestOutput(ctx: BuildContext, state: BuildState): Promise<void> {
  const image = (state.diskOutputs as string[] | undefined)?.find((f) => !/\.(md5|sha256|zst|xz)$/.test(f));
  const plan = state.blockDevice as BlockDevicePlan | undefined;
  if (!image || !plan) throw new KilnError('--boot-test needs a disk output', { hint: 'add a disk type to -t, e.g. -t qcow2' });
  const mode = bootModeOf(bootTargetOf(plan, image, ctx.ws.tree, ctx.config.epoch));
  const uefi = mode === 'efi';
  const r = await bootTest({ image, uefi, timeoutSec: 600, log: ctx.log, logPath: `${image}.boot.log`, cleanup: ctx.cleanup, tmpDir: ctx.ws.tmp });
  ctx.log.info(`boot test: ${image} reached the login prompt in ${r.seconds.toFixed(1)} s (${uefi ? 'UEFI' : 'BIOS'}, ${r.accel})`);
}
