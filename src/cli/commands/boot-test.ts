/** `kiln boot-test IMAGE`: boot a disk image in QEMU and wait for the login prompt on its serial console. */
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { InterruptedError, isKilnError, UsageError } from '../../errors.js';
import { abortCommands } from '../../exec/runner.js';
import { recordBootTest, reportOfImage, type BootTestRecord } from '../../report/index.js';
import { bootTest, removeDeadBootTestDirs } from '../../vm/index.js';
import { ConsoleLogger } from '../logging.js';
import { commandOptions } from '../yargs-options.js';
import { handleInterrupts } from '../signals.js';
import type { KilnCommand } from './types.js';

interface BootTestArgs {
  image: string;
  uefi?: boolean;
  arch?: string;
  timeout: number;
  expect: string;
  memory: number;
  log?: string;
  accel: 'auto' | 'kvm' | 'tcg';
  format?: string;
  debug?: boolean;
  json?: boolean;
  check?: string | string[];
  checkTimeout: number;
}

function parseExpect(s: string): RegExp {
  try {
    return new RegExp(s);
  } catch (e) {
    throw new UsageError(`--expect is not a valid regular expression: ${(e as Error).message}`);
  }
}

/** A status line on stderr: `boot-test [12 s] <the console's last line>`, rewritten in place every second. */
function consoleLine(t0: number): { show(line: string): void; clear(): void } {
  let last = '';
  let drawn = false;
  const draw = () => {
    const head = `boot-test [${Math.floor((Date.now() - t0) / 1000)} s] `;
    const width = (process.stderr.columns || 80) - 1;
    // biome-ignore lint/suspicious/noControlCharactersInRegex: what a console line may still hold
    const text = `${head}${last.replace(/[\x00-\x1f\x7f]/g, ' ')}`.slice(0, width);
    process.stderr.write(`\r\x1b[K${text}`);
    drawn = true;
  };
  const tick = setInterval(draw, 1000);
  return {
    show(line) {
      last = line;
      draw();
    },
    clear() {
      clearInterval(tick);
      if (drawn) process.stderr.write('\r\x1b[K');
      drawn = false;
    },
  };
}

/**
 * The image's build report (NAME.d/report.html beside it), when it has one, gets the result; its
 * path, or undefined. A report that cannot be written is a warning: the boot test's result stands.
 */
function addToReport(image: string, r: Omit<BootTestRecord, 'image' | 'at' | 'by'>): string | undefined {
  const report = reportOfImage(image);
  if (!report) return undefined;
  try {
    return recordBootTest(report, { ...r, image: basename(image), at: new Date().toISOString(), by: 'kiln boot-test' }) ? report : undefined;
  } catch (e) {
    process.stderr.write(`kiln boot-test: warning: the result was not added to ${report}: ${(e as Error).message}\n`);
    return undefined;
  }
}

export const command: KilnCommand = {
  command: 'boot-test <image>',
  describe: 'boot a disk image in QEMU (BIOS or UEFI) and wait for its console to show a login prompt',
  builder: (y) => y.positional('image', { type: 'string', describe: 'disk image (raw, qcow2, vmdk, vhd... detected)' }).options(commandOptions('boot-test')),
  handler: async (args) => {
    const a = args as unknown as BootTestArgs;
    if (!(a.timeout > 0)) throw new UsageError('--timeout must be a positive number of seconds');
    if (!(a.checkTimeout > 0)) throw new UsageError('--check-timeout must be a positive number of seconds');
    const checks = (a.check === undefined ? [] : Array.isArray(a.check) ? a.check : [a.check]).map(String);
    if (checks.some((c) => c.trim() === '')) throw new UsageError('--check needs a command');
    const expect = parseExpect(a.expect);
    const logPath = a.log ?? join(tmpdir(), `kiln-boot-test-${basename(a.image)}-${process.pid}.log`);
    const checkLogPath = `${logPath.replace(/\.log$/, '')}.checks.log`;
    const log = new ConsoleLogger({ quiet: false, debug: a.debug === true, timestamps: false });
    // what boot tests that were killed (SIGKILL) left in the temp directory
    removeDeadBootTestDirs();
    const ac = new AbortController();
    let interrupted: NodeJS.Signals | undefined;
    // SIGINT, SIGTERM, SIGHUP: QEMU (or the KVM probe) is stopped and the temp files removed,
    // then exit 128 + the signal's number, as a shell would
    const stopHandling = handleInterrupts('kiln boot-test', (sig) => {
      interrupted = sig;
      ac.abort();
      void abortCommands(sig);
    });
    // on a terminal: one line that follows the console while waiting (cleared when the test ends)
    const live = process.stderr.isTTY ? consoleLine(Date.now()) : undefined;
    try {
      const r = await bootTest({
        image: a.image,
        uefi: a.uefi === true,
        ...(a.arch ? { arch: a.arch } : {}),
        timeoutSec: a.timeout,
        expect,
        memoryMiB: a.memory,
        logPath,
        accel: a.accel,
        log,
        signal: ac.signal,
        ...(a.format ? { format: a.format } : {}),
        ...(live ? { onConsoleLine: live.show } : {}),
        ...(checks.length ? { checks, checkTimeoutSec: a.checkTimeout, checkLogPath } : {}),
      });
      live?.clear();
      const firmware = r.uefi ? 'UEFI' : 'BIOS';
      const checked = r.checks ? `; ${r.checks.results.length} check(s) passed in the guest in ${r.checks.seconds.toFixed(1)} s` : '';
      const report = addToReport(a.image, { ok: true, seconds: r.seconds, firmware, accel: r.accel, format: r.format, expect: a.expect });
      if (a.json) {
        const result = {
          ok: true,
          image: a.image,
          seconds: r.seconds,
          firmware,
          accel: r.accel,
          format: r.format,
          expect: a.expect,
          checks: r.checks ? { seconds: r.checks.seconds, results: r.checks.results } : null,
          log: a.log ?? null,
          report: report ?? null,
        };
        process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      } else {
        process.stdout.write(
          `boot-test: OK: ${a.image} reached ${expect} in ${r.seconds.toFixed(1)} s (${firmware}, ${r.accel.toUpperCase()}, ${r.format})${checked}\n`,
        );
      }
      if (!a.log) rmSync(logPath, { force: true });
      if (!a.log) rmSync(checkLogPath, { force: true });
    } catch (e) {
      live?.clear();
      if (interrupted) throw new InterruptedError(interrupted, `boot-test interrupted by ${interrupted}; console log: ${logPath}`);
      // a boot that failed is a result too: the image's report says so
      if (isKilnError(e)) addToReport(a.image, { ok: false, seconds: 0, expect: a.expect, error: e.message });
      throw e;
    } finally {
      live?.clear();
      stopHandling();
    }
  },
};
