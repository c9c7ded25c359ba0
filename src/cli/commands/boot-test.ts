/** `kiln boot-test IMAGE`: boot a disk image in QEMU and wait for the login prompt on its serial console. */
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { KilnError, UsageError } from '../../errors.js';
import { bootTest } from '../../vm/index.js';
import { ConsoleLogger } from '../logging.js';
import { commandOptions } from '../yargs-options.js';
import type { KilnCommand } from './types.js';

interface BootTestArgs {
  image: string; uefi?: boolean; timeout: number; expect: string; memory: number; log?: string;
  accel: 'auto' | 'kvm' | 'tcg'; format?: string; debug?: boolean;
}

/** Ctrl-C: QEMU is stopped and temp files removed, then exit 130 as a shell would. */
class InterruptedError extends KilnError {
  override readonly exitCode: number = 130;
}

function parseExpect(s: string): RegExp {
  try {
    return new RegExp(s);
  } catch (e) {
    throw new UsageError(`--expect is not a valid regular expression: ${(e as Error).message}`);
  }
}

export const command: KilnCommand = {
  command: 'boot-test <image>',
  describe: 'boot a disk image in QEMU (BIOS or UEFI) and wait for its console to show a login prompt',
  builder: (y) => y
    .positional('image', { type: 'string', describe: 'disk image (raw, qcow2, vmdk, vhd... detected)' })
    .options(commandOptions('boot-test')),
  handler: async (args) => {
    const a = args as unknown as BootTestArgs;
    if (!(a.timeout > 0)) throw new UsageError('--timeout must be a positive number of seconds');
    const expect = parseExpect(a.expect);
    const logPath = a.log ?? join(tmpdir(), `kiln-boot-test-${basename(a.image)}-${process.pid}.log`);
    const log = new ConsoleLogger({ quiet: false, debug: a.debug === true, timestamps: false });
    const ac = new AbortController();
    const onSigint = () => ac.abort();
    // `on`, not `once`: execa's signal-exit re-raises SIGINT (killing us before cleanup) when it
    // finds itself the only listener left
    process.on('SIGINT', onSigint);
    process.on('SIGTERM', onSigint);
    try {
      const r = await bootTest({
        image: a.image, uefi: a.uefi === true, timeoutSec: a.timeout, expect, memoryMiB: a.memory, logPath,
        accel: a.accel, log, signal: ac.signal, ...(a.format ? { format: a.format } : {}),
      });
      process.stdout.write(`boot-test: OK: ${a.image} reached ${expect} in ${r.seconds.toFixed(1)} s (${a.uefi ? 'UEFI' : 'BIOS'}, ${r.accel.toUpperCase()}, ${r.format})\n`);
      if (!a.log) rmSync(logPath, { force: true });
    } catch (e) {
      if (ac.signal.aborted) throw new InterruptedError(`boot-test interrupted; console log: ${logPath}`);
      throw e;
    } finally {
      process.removeListener('SIGINT', onSigint);
      process.removeListener('SIGTERM', onSigint);
    }
  },
};
