/** --boot-test: boot the first disk output in QEMU and wait for the login prompt. */
import { basename } from 'node:path';
import { hostArchInfo, resolveArch, runsNatively } from '../arch/index.js';
import { KilnError } from '../errors.js';
import { bootTest } from '../vm/index.js';
import { bootModeOf, bootTargetOf } from './boot.js';
import type { Build } from './build.js';

export async function bootTestOutput(b: Build): Promise<void> {
  const image = b.diskOutputs.find((f) => !/\.(md5|sha256|zst|xz)$/.test(f));
  if (!image) throw new KilnError('--boot-test needs a disk output', { hint: 'add a disk type to -t, e.g. -t qcow2' });
  const mode = bootModeOf(bootTargetOf(b.layout, image, b.ws.tree, b.epoch, b.config.arch));
  const uefi = mode === 'efi';
  const host = hostArchInfo();
  const target = resolveArch(b.config.arch);
  // an emulated CPU (TCG of another arch) boots several times slower
  const timeoutSec = host && runsNatively(host, target) ? 600 : 1200;
  const r = await bootTest({ image, uefi, arch: b.config.arch, timeoutSec, log: b.log, logPath: `${image}.boot.log`, cleanup: b.cleanup, tmpDir: b.ws.tmp });
  b.facts.bootTest = {
    ok: true,
    image: basename(image),
    at: new Date().toISOString(),
    seconds: r.seconds,
    firmware: r.uefi ? 'UEFI' : 'BIOS',
    accel: r.accel,
    format: r.format,
    expect: 'login:',
    by: 'build',
  };
  b.log.info(`boot test: ${image} reached the login prompt in ${r.seconds.toFixed(1)} s (${b.config.arch}, ${r.uefi ? 'UEFI' : 'BIOS'}, ${r.accel})`);
}
