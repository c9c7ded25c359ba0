/**
 * Run QEMU with the guest's serial console on stdout and watch it: stop as soon as the console
 * matches, on timeout, or on abort. QEMU is always killed before this returns (through its own
 * Runner, so killing it touches no other command).
 */
import { appendFileSync, writeFileSync } from 'node:fs';
import { Runner } from '../exec/runner.js';
import type { Logger } from '../log.js';

export type WatchEnd = 'matched' | 'exited' | 'timeout' | 'aborted';
export interface WatchResult {
  end: WatchEnd;
  /** seconds from start to the match (or to the end) */
  seconds: number;
  /** the console with terminal escapes and carriage returns removed */
  console: string;
  exitCode?: number;
}

export interface WatchRequest {
  args: string[];
  expect: RegExp;
  timeoutMs: number;
  log: Logger;
  /** raw console copy, written as it arrives */
  logFile?: string;
  signal?: AbortSignal;
  qemu?: string;
  /** the console's last non-empty line, escapes removed, each time it changes (progress display) */
  onLine?: (line: string) => void;
}

// CSI sequences (colours, cursor moves) and other ESC sequences the firmware and GRUB print
// biome-ignore lint/suspicious/noControlCharactersInRegex: ESC is what this matches
const ESCAPES = /\x1b\[[0-9;?=]*[ -/]*[@-~]|\x1b[()][0-9A-Za-z]|\x1b[=>78cDEHM]/g;

export function cleanConsole(raw: string): string {
  return raw.replace(ESCAPES, '').replace(/\r+\n/g, '\n').replace(/\r/g, '\n');
}

export function lastLines(text: string, n: number): string[] {
  return text
    .split('\n')
    .map((l) => l.trimEnd())
    .filter((l) => l !== '')
    .slice(-n);
}

export async function runWatching(req: WatchRequest): Promise<WatchResult> {
  const expect = new RegExp(req.expect.source, req.expect.flags.replace('g', '')); // no lastIndex state
  let raw = '';
  let end: WatchEnd | undefined;
  let seconds = 0;
  const t0 = performance.now();
  const stop = (why: WatchEnd) => {
    if (end) return;
    end = why;
    seconds = (performance.now() - t0) / 1000;
    void runner.killOwn();
  };
  if (req.logFile) writeFileSync(req.logFile, '');
  let shown: string | undefined;
  const watcher: Logger = {
    debug: (m) => req.log.debug(m),
    info: (m) => req.log.info(m),
    warn: (m) => req.log.warn(m),
    error: (m) => req.log.error(m),
    output: (chunk) => {
      raw += chunk;
      if (req.logFile) appendFileSync(req.logFile, chunk);
      // match on the last 64 KiB only: a line of interest is never that long
      const recent = cleanConsole(raw.slice(-65536));
      if (!end && expect.test(recent)) stop('matched');
      if (req.onLine) {
        const last = lastLines(recent, 1)[0];
        if (last !== undefined && last !== shown) {
          shown = last;
          req.onLine(last);
        }
      }
    },
  };
  const runner = new Runner(watcher);
  const timer = setTimeout(() => stop('timeout'), req.timeoutMs);
  const onAbort = () => stop('aborted');
  req.signal?.addEventListener('abort', onAbort);
  if (req.signal?.aborted) onAbort();
  let exitCode: number | undefined;
  try {
    const r = await runner.run(req.qemu ?? 'qemu-system-x86_64', req.args, { stream: true });
    exitCode = r.exitCode;
  } catch (e) {
    exitCode = (e as { commandExitCode?: number }).commandExitCode;
    if (!end && !('commandExitCode' in (e as object))) throw e; // qemu missing, not a guest failure
  } finally {
    clearTimeout(timer);
    req.signal?.removeEventListener('abort', onAbort);
    await runner.killOwn();
  }
  if (!end) {
    end = 'exited';
    seconds = (performance.now() - t0) / 1000;
    // the match may be in the last chunk, delivered just before the exit
    if (expect.test(cleanConsole(raw.slice(-65536)))) end = 'matched';
  }
  return { end, seconds, console: cleanConsole(raw), ...(exitCode === undefined ? {} : { exitCode }) };
}
