/**
 * Boot a disk image in QEMU and wait for its console to show a pattern (default: a login prompt).
 * KVM only when probed usable (kvm-probe.ts), else TCG. The image is opened with snapshot=on, so
 * it is never modified; UEFI gets a private copy of the OVMF variable store. QEMU is killed and
 * temp files removed on every path (success, failure, timeout, abort).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ArchInfo, hostArchInfo, resolveArch, runsNatively } from '../arch/index.js';
import type { CleanupStack } from '../cleanup.js';
import { KilnError } from '../errors.js';
import { deadProcessEntries, processTag } from '../exec/process-tag.js';
import { Runner } from '../exec/runner.js';
import { silentLogger, type Logger } from '../log.js';
import { readBootFiles } from './boot-files.js';
import { type CheckResult, checkCmdline, checkScript, endMarker, formatCheckFailures, parseCheckResults } from './guest-check.js';
import { probeKvm, type Accel } from './kvm-probe.js';
import { parseImageFormat, planQemuArgs, type QemuPlan, qemuBinary } from './qemu-args.js';
import { lastLines, runWatching } from './watch.js';

export interface BootTestRequest {
  image: string;
  /** qemu-img format name; detected with qemu-img info when absent */
  format?: string;
  uefi: boolean;
  /** the image's architecture (a name -a takes); default the host's */
  arch?: string;
  timeoutSec: number;
  /** default /login:/ */
  expect?: RegExp;
  /** default 1024 */
  memoryMiB?: number;
  /** default 2 */
  cpus?: number;
  /** the console is written here as it arrives; default: a file next to nothing, removed after */
  logPath?: string;
  /** 'auto' (default): KVM when the probe proves it works */
  accel?: Accel | 'auto';
  log?: Logger;
  signal?: AbortSignal;
  /** a build's cleanup stack: on interruption it stops QEMU and removes the temp files */
  cleanup?: CleanupStack;
  /** where the temporary directory (firmware variables, firmware log, KVM probe) is made: a
   * build's workspace; default the system's temp directory (see removeDeadBootTestDirs) */
  tmpDir?: string;
  /** the console's last line as it changes (the CLI shows it while waiting) */
  onConsoleLine?: (line: string) => void;
  /**
   * boot-test --check: after the boot to the pattern, a second boot (the image's kernel booted
   * directly, guest-check.ts) that runs these shell commands in the guest; any that exits non-zero
   * fails the test with its output
   */
  checks?: string[];
  /** seconds each check may take (default 300) */
  checkTimeoutSec?: number;
  /** the check boot's console is written here as it arrives */
  checkLogPath?: string;
}

export interface BootTestResult {
  seconds: number;
  /** whether it booted with UEFI (asked for, or the arch has no BIOS) */
  uefi: boolean;
  accel: Accel;
  format: string;
  logPath?: string;
  /** the check boot: its seconds and each check's result (all passed) */
  checks?: { seconds: number; results: CheckResult[] };
}

async function detectFormat(image: string, log: Logger): Promise<string> {
  const r = await new Runner(log).run('qemu-img', ['info', '--output=json', image], { context: `read the format of ${image}` });
  return parseImageFormat(r.stdout);
}

const TMP_PREFIX = 'kiln-boot-tmp-';

/**
 * Remove the temporary directories that boot tests killed before their cleanup left in `parent`
 * (named kiln-boot-tmp-<pid>.<start>-XXXXXX after their process). Returns the names removed.
 */
export function removeDeadBootTestDirs(parent: string = tmpdir()): string[] {
  const dead = deadProcessEntries(parent, 'kiln-boot-tmp-');
  for (const n of dead) rmSync(join(parent, n), { recursive: true, force: true });
  return dead;
}

async function chooseAccel(req: BootTestRequest, arch: ArchInfo, uefi: boolean, log: Logger, tmp: string): Promise<Accel> {
  if (req.accel === 'kvm' || req.accel === 'tcg') return req.accel;
  const host = hostArchInfo();
  // KVM runs only the host's own instruction set (and the probe guest is x86 code)
  if (!host || !runsNatively(host, arch) || !host.grub.bios) {
    log.info(`boot-test: using TCG: the host (${host?.name ?? process.arch}) cannot run ${arch.name} natively`);
    return 'tcg';
  }
  const v = await probeKvm(uefi ? 'uefi' : 'bios', log, tmp);
  log.info(`boot-test: using ${v.accel.toUpperCase()}: ${v.reason}`);
  return v.accel;
}

// QEMU's own line when we stop it is not the guest's
const QEMU_SIGNAL_LINE = /^qemu-system-\S+: terminating on signal/;

async function formatFailure(console: string, firmwareLog: string): Promise<string> {
  const tail = lastLines(console, 21)
    .filter((l) => !QEMU_SIGNAL_LINE.test(l))
    .slice(-20);
  const out = ['  last console lines:', ...(tail.length ? tail.map((l) => `    | ${l}`) : ['    (the console printed nothing)'])];
  const fw = lastLines(await readFile(firmwareLog, 'latin1').catch(() => ''), 3);
  if (fw.length) out.push('  last firmware lines:', ...fw.map((l) => `    | ${l}`));
  return out.join('\n');
}

interface CheckBoot {
  qemu: string;
  /** the plain boot's plan: the same machine, firmware and disk */
  plan: QemuPlan;
  tmp: string;
  log: Logger;
  signal: AbortSignal;
  firmwareLog: string;
}

/** The check boot (guest-check.ts): a KilnError naming each failed check with its output, or the results. */
async function runChecks(req: BootTestRequest, c: CheckBoot): Promise<{ seconds: number; results: CheckResult[] }> {
  const checks = req.checks ?? [];
  const timeoutSec = req.checkTimeoutSec ?? 300;
  const files = await readBootFiles(new Runner(c.log), req.image, c.tmp);
  const nonce = randomBytes(8).toString('hex');
  const cmdline = checkCmdline(files.cmdline, checkScript(checks, timeoutSec, nonce, req.timeoutSec), files.defaultTarget);
  const portFile = join(c.tmp, 'checks.out');
  const args = planQemuArgs({ ...c.plan, kernel: { path: files.kernel, ...(files.initrd ? { initrd: files.initrd } : {}), cmdline }, checkPort: portFile });
  // the boot, then each check; the guest enforces the checks' time itself
  const limitSec = req.timeoutSec + checks.length * (timeoutSec + 10) + 30;
  c.log.info(`boot-test: ${checks.length} check(s): booting the image's kernel (${files.grubCfg}, ${files.defaultTarget}) to run them`);
  const r = await runWatching({
    qemu: c.qemu,
    args,
    expect: new RegExp(endMarker(nonce)),
    timeoutMs: limitSec * 1000,
    log: c.log,
    ...(req.checkLogPath ? { logFile: req.checkLogPath } : {}),
    ...(req.onConsoleLine ? { onLine: req.onConsoleLine } : {}),
    signal: c.signal,
  });
  // the guest's writes to its port return once QEMU has them, so the file is complete; the
  // console is read too, for a guest that had no port
  const report = parseCheckResults(`${await readFile(portFile, 'utf8').catch(() => '')}\n${r.console}`, nonce, checks);
  const logNote = req.checkLogPath ? `\n  full console log of the check boot: ${req.checkLogPath}` : '';
  if (r.end === 'aborted') throw new KilnError(`boot test of ${req.image} failed: interrupted during the checks`);
  if (!report.begun) {
    const why = r.end === 'timeout' ? `they did not start within ${limitSec} s` : `QEMU exited (status ${r.exitCode ?? '?'}) before they started`;
    throw new KilnError(`boot test of ${req.image}: the in-guest checks did not run: ${why}\n${await formatFailure(r.console, c.firmwareLog)}${logNote}`, {
      hint: 'the checks need systemd (systemd.run, systemd >= 240) and a console on the kernel command line; read the console log for where the boot stopped',
    });
  }
  const failed = report.results.filter((x) => x.status !== 0);
  if (failed.length) {
    const ended = report.done ? '' : r.end === 'timeout' ? ` (the run was stopped after ${limitSec} s)` : ' (the guest stopped before the last check)';
    throw new KilnError(
      `boot test of ${req.image}: ${failed.length} of ${checks.length} check(s) failed${ended} (the system was ${report.state ?? 'not yet up'})\n${formatCheckFailures(report, timeoutSec)}${logNote}`,
      { hint: "the output above is the failing command's (stdout and stderr); raise --check-timeout for slow checks" },
    );
  }
  c.log.debug(`boot-test: every check passed after ${r.seconds.toFixed(1)} s (system ${report.state ?? '?'}; results on ${report.port ?? '?'})`);
  return { seconds: r.seconds, results: report.results };
}

export async function bootTest(req: BootTestRequest): Promise<BootTestResult> {
  const log = req.log ?? silentLogger;
  if (!existsSync(req.image)) throw new KilnError(`image not found: ${req.image}`);
  const arch = req.arch ? resolveArch(req.arch) : hostArchInfo();
  if (!arch?.qemu) throw new KilnError(`kiln boot-test cannot boot ${arch?.name ?? process.arch} images`, { hint: 'it boots amd64, i386 and arm64' });
  // arm64 has no BIOS: its images boot with UEFI
  const uefiBoot = req.uefi || !arch.grub.bios;
  const firmware = uefiBoot ? arch.uefiFirmware : undefined;
  if (uefiBoot && !firmware) throw new KilnError(`kiln boot-test has no UEFI firmware for ${arch.name}`, { hint: 'boot it with BIOS (leave out --uefi)' });
  if (firmware && !existsSync(firmware.code)) {
    throw new KilnError(`UEFI firmware not found: ${firmware.code}`, { hint: `install the ${firmware.package} package` });
  }
  const qemu = qemuBinary(arch);
  const format = req.format ?? (await detectFormat(req.image, log));
  const tmp = await mkdtemp(join(req.tmpDir ?? tmpdir(), `${TMP_PREFIX}${processTag()}-`));
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  req.signal?.addEventListener('abort', onAbort);
  if (req.signal?.aborted) stop.abort();
  const cleanupName = `boot test ${tmp}`;
  req.cleanup?.push(cleanupName, async () => {
    stop.abort();
    await rm(tmp, { recursive: true, force: true });
  });
  try {
    const accel = await chooseAccel(req, arch, uefiBoot, log, tmp);
    let uefi: { code: string; vars: string } | undefined;
    if (firmware) {
      uefi = { code: firmware.code, vars: join(tmp, 'VARS.fd') };
      await copyFile(firmware.vars, uefi.vars);
    }
    const firmwareLog = join(tmp, 'firmware.log');
    const args = planQemuArgs({
      arch,
      image: req.image,
      format,
      accel,
      memoryMiB: req.memoryMiB ?? 1024,
      cpus: req.cpus ?? 2,
      firmwareLog,
      ...(uefi ? { uefi } : {}),
    });
    const expect = req.expect ?? /login:/;
    log.info(`boot-test: ${req.image} (${arch.name}, ${format}, ${uefiBoot ? 'UEFI' : 'BIOS'}, ${accel}), waiting up to ${req.timeoutSec} s for ${expect}`);
    const r = await runWatching({
      qemu,
      args,
      expect,
      timeoutMs: req.timeoutSec * 1000,
      log,
      ...(req.logPath ? { logFile: req.logPath } : {}),
      ...(req.onConsoleLine ? { onLine: req.onConsoleLine } : {}),
      signal: stop.signal,
    });
    if (r.end === 'matched') {
      log.debug(`boot-test: console matched ${expect} after ${r.seconds.toFixed(1)} s`);
      const result: BootTestResult = { seconds: r.seconds, accel, format, uefi: uefiBoot, ...(req.logPath ? { logPath: req.logPath } : {}) };
      if (req.checks?.length) {
        const planBase = { arch, image: req.image, format, accel, memoryMiB: req.memoryMiB ?? 1024, cpus: req.cpus ?? 2, firmwareLog };
        result.checks = await runChecks(req, { qemu, plan: uefi ? { ...planBase, uefi } : planBase, tmp, log, signal: stop.signal, firmwareLog });
      }
      return result;
    }
    const why =
      r.end === 'timeout'
        ? `no match for ${expect} within ${req.timeoutSec} s`
        : r.end === 'aborted'
          ? 'interrupted'
          : `QEMU exited (status ${r.exitCode ?? '?'}) after ${r.seconds.toFixed(1)} s before the console matched ${expect}`;
    throw new KilnError(
      `boot test of ${req.image} failed: ${why}\n${await formatFailure(r.console, firmwareLog)}${req.logPath ? `\n  full console log: ${req.logPath}` : ''}`,
      {
        hint:
          r.end === 'timeout'
            ? 'raise --timeout (TCG is slow), or read the console log for where the boot stopped'
            : 'read the console log for where the boot stopped',
      },
    );
  } finally {
    req.signal?.removeEventListener('abort', onAbort);
    req.cleanup?.remove(cleanupName);
    await rm(tmp, { recursive: true, force: true });
  }
}
