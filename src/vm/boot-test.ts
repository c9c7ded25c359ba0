/**
 * Boot a disk image in QEMU and wait for its console to show a pattern (default: a login prompt).
 * KVM only when probed usable (kvm-probe.ts), else TCG. The image is opened with snapshot=on, so
 * it is never modified; UEFI gets a private copy of the OVMF variable store. QEMU is killed and
 * temp files removed on every path (success, failure, timeout, abort).
 */
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ArchInfo, hostArchInfo, resolveArch, runsNatively } from '../arch/index.js';
import type { CleanupStack } from '../cleanup.js';
import { KilnError } from '../errors.js';
import { parseProcessTag, processAlive, processTag } from '../exec/process-tag.js';
import { Runner } from '../exec/runner.js';
import { silentLogger, type Logger } from '../log.js';
import { probeKvm, type Accel } from './kvm-probe.js';
import { parseImageFormat, planQemuArgs, qemuBinary } from './qemu-args.js';
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
}

export interface BootTestResult {
  seconds: number;
  /** whether it booted with UEFI (asked for, or the arch has no BIOS) */
  uefi: boolean;
  accel: Accel;
  format: string;
  logPath?: string;
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
  let names: string[];
  try {
    names = readdirSync(parent);
  } catch {
    return [];
  }
  const dead = names.filter((n) => {
    const tag = parseProcessTag(/^kiln-boot-tmp-(\d+\.\d+)-/.exec(n)?.[1] ?? '');
    return tag !== undefined && !processAlive(tag);
  });
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
      return { seconds: r.seconds, accel, format, uefi: uefiBoot, ...(req.logPath ? { logPath: req.logPath } : {}) };
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
