/** --boot-test: boot the first disk output in QEMU and wait for the login prompt. */
import { KilnError } from '../errors.js';
import { bootTest } from '../vm/index.js';
import { bootModeOf, bootTargetOf } from './boot.js';
import type { Build } from './build.js';

export async function bootTestOutput(b: Build): Promise<void> {
  const image = b.diskOutputs.find((f) => !/\.(md5|sha256|zst|xz)$/.test(f));
  if (!image) throw new KilnError('--boot-test needs a disk output', { hint: 'add a disk type to -t, e.g. -t qcow2' });
  const mode = bootModeOf(bootTargetOf(b.layout, image, b.ws.tree, b.config.epoch));
  const uefi = mode === 'efi';
  const r = await bootTest({ image, uefi, timeoutSec: 600, log: b.log, logPath: `${image}.boot.log`, cleanup: b.cleanup, tmpDir: b.ws.tmp });
  b.log.info(`boot test: ${image} reached the login prompt in ${r.seconds.toFixed(1)} s (${uefi ? 'UEFI' : 'BIOS'}, ${r.accel})`);
}
