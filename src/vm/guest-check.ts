/**
 * In-guest checks (`kiln boot-test --check CMD`), as pure data: the script the guest runs, the
 * kernel command line that makes systemd run it, and the results it reports.
 *
 * How the guest runs them, without changing the image: QEMU boots the image's kernel and initrd
 * directly (-kernel/-initrd, the disk opened with snapshot=on) with its grub.cfg's command line
 * plus
 *   systemd.unit=<the image's default target>    the normal boot, not systemd.run's own target
 *   systemd.wants=kernel-command-line.service    pulled into that target (systemd-debug-generator)
 *   systemd.run="/bin/sh -c '...'"               that unit (systemd-run-generator, systemd >= 240)
 *   systemd.run_success_action=none systemd.run_failure_action=none
 * The systemd.run command line carries the script gzipped and base64-encoded (no $, %, quotes or
 * semicolons for the unit-file parser to interpret), writes it to /run and starts it with
 * `systemd-run --no-block -p Type=exec`: a oneshot still running would keep the boot "starting"
 * and `systemctl is-system-running --wait` would wait for itself. The script writes its results
 * to a virtio serial port of its own (org.kiln.checks; only it writes there, so kernel messages
 * cannot interleave), each line tagged with a nonce; a check's output is base64-encoded. At the
 * end it prints the end marker on the console, where the host stops QEMU.
 */
import { gzipSync } from 'node:zlib';
import { KilnError } from '../errors.js';

export const CHECK_PORT = 'org.kiln.checks';
/** COMMAND_LINE_SIZE of x86 and arm64 (the terminating NUL included) */
export const CMDLINE_MAX = 2048;
/** bytes of each check's output kept (its end) */
export const OUTPUT_KEPT = 65536;

/** A word for sh, single-quoted. */
export const shQuote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

export const endMarker = (nonce: string): string => `KILN-CHECKS-END-${nonce}`;

/** Where the script looks in the guest; a test runs it on the host with its own. */
export interface GuestPaths {
  path: string;
  /** the virtio ports in sysfs, and their device nodes */
  portsDir: string;
  devDir: string;
  console: string;
}
export const GUEST_PATHS: GuestPaths = {
  path: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  portsDir: '/sys/class/virtio-ports',
  devDir: '/dev',
  console: '/dev/console',
};

/**
 * The guest's script: it waits for the boot to finish (`systemctl is-system-running --wait`, up to
 * `bootWaitSec`; the unit that starts it runs after basic.target, before the rest of the boot), then
 * runs each check in order, with `timeoutSec` each; results on the check port.
 */
export function checkScript(checks: string[], timeoutSec: number, nonce: string, bootWaitSec = 600, paths: Partial<GuestPaths> = {}): string {
  if (!/^[0-9a-f]+$/.test(nonce)) throw new Error(`bad nonce ${nonce}`);
  const p = { ...GUEST_PATHS, ...paths };
  return [
    '#!/bin/sh',
    '# written by kiln boot-test --check; runs once, from /run',
    `export PATH=${p.path} HOME=/root`,
    `N=${nonce}`,
    'findport() {',
    `  for d in ${p.portsDir}/*; do`,
    `    [ "$(cat "$d/name" 2>/dev/null)" = ${CHECK_PORT} ] && [ -e "${p.devDir}/\${d##*/}" ] && port=${p.devDir}/\${d##*/}`,
    '  done',
    '}',
    'port=',
    'findport',
    '[ -n "$port" ] || { modprobe virtio_console 2>/dev/null; udevadm settle 2>/dev/null; sleep 1; findport; }',
    // no port (a kernel without virtio_console): the console, where the host reads the lines too
    `[ -n "$port" ] || port=${p.console}`,
    'exec 3>"$port"',
    'say() { printf \'KILN-CHECK %s %s\\n\' "$N" "$*" >&3; }',
    'say begin "$port"',
    `timeout ${Math.ceil(bootWaitSec)} systemctl is-system-running --wait >/dev/null 2>&1`,
    'say booted "$(systemctl is-system-running 2>/dev/null)"',
    'i=0',
    'check() {',
    '  i=$((i + 1))',
    '  say start $i',
    `  out=$(timeout -k 5 ${timeoutSec} sh -c "$1" </dev/null 2>&1); rc=$?`,
    '  say status $i $rc',
    `  printf '%s\\n' "$out" | tail -c ${OUTPUT_KEPT} | base64 | while read -r l; do say out $i "$l"; done`,
    '}',
    ...checks.map((c) => `check ${shQuote(c)}`),
    'say done',
    'exec 3>&-',
    `echo ${endMarker(nonce)} >>${p.console}`,
    // if the host missed the marker, the guest ends the run itself
    'sleep 5; systemctl poweroff --no-block',
    '',
  ].join('\n');
}

/** The systemd.run command line that unpacks and starts the script (nothing systemd would expand). */
export function launcher(script: string): string {
  const b64 = gzipSync(Buffer.from(script), { level: 9 }).toString('base64');
  const start = 'systemd-run --no-block --unit=kiln-checks --property=Type=exec /bin/sh /run/kiln-checks.sh';
  return `/bin/sh -c 'echo ${b64}|base64 -d|gunzip >/run/kiln-checks.sh&&exec ${start}'`;
}

/**
 * The image's command line with the check parameters appended. `defaultTarget` is the image's
 * default.target (multi-user.target, graphical.target). A command line longer than the kernel takes
 * is refused (it would be cut short, silently).
 */
export function checkCmdline(imageCmdline: string, script: string, defaultTarget: string): string {
  const cmdline = [
    imageCmdline.trim(),
    `systemd.unit=${defaultTarget}`,
    'systemd.wants=kernel-command-line.service',
    `systemd.run="${launcher(script)}"`,
    'systemd.run_success_action=none',
    'systemd.run_failure_action=none',
  ]
    .filter(Boolean)
    .join(' ');
  if (cmdline.length >= CMDLINE_MAX) {
    throw new KilnError(`the checks do not fit on the kernel command line (${cmdline.length} bytes, the kernel takes ${CMDLINE_MAX - 1})`, {
      hint: 'put long checks in a script in the image and give --check the script',
    });
  }
  return cmdline;
}

export interface CheckResult {
  command: string;
  /** exit status; undefined when it never finished (the run ended first) */
  status?: number;
  /** its output (stdout and stderr, the last OUTPUT_KEPT bytes) */
  output: string;
  started: boolean;
}

export interface CheckReport {
  /** the guest started the script */
  begun: boolean;
  /** the script got past its last check */
  done: boolean;
  /** where the guest wrote (its virtio port, or /dev/console) */
  port?: string;
  /** the system's state when the boot had finished (running, degraded) */
  state?: string;
  results: CheckResult[];
}

/** The results in `text` (the check port's file, or the console): lines of this nonce only. */
export function parseCheckResults(text: string, nonce: string, checks: string[]): CheckReport {
  const report: CheckReport = { begun: false, done: false, results: checks.map((command) => ({ command, output: '', started: false })) };
  const b64: string[][] = checks.map(() => []);
  const tag = `KILN-CHECK ${nonce} `;
  for (const raw of text.split(/\r?\n/)) {
    const at = raw.indexOf(tag);
    if (at < 0) continue;
    const [what, a, b] = raw
      .slice(at + tag.length)
      .trim()
      .split(' ');
    const r = report.results[Number(a) - 1];
    if (what === 'begin') {
      report.begun = true;
      if (a) report.port = a;
    } else if (what === 'booted') {
      if (a) report.state = a;
    } else if (what === 'done') report.done = true;
    else if (what === 'start' && r) r.started = true;
    else if (what === 'status' && r && b !== undefined && /^\d+$/.test(b)) r.status = Number(b);
    else if (what === 'out' && r && b !== undefined) b64[Number(a) - 1]!.push(b);
  }
  report.results.forEach((r, i) => {
    r.output = Buffer.from(b64[i]!.join(''), 'base64').toString('utf8').replace(/\n$/, '');
  });
  return report;
}

/** A check's status as words: `timeout` exits 124 when the check ran out of time (137 after -k). */
export function describeStatus(r: CheckResult, timeoutSec: number): string {
  if (r.status === undefined) return r.started ? 'did not finish (the run ended first)' : 'did not run';
  if (r.status === 124 || r.status === 137) return `timed out after ${timeoutSec} s (--check-timeout)`;
  return `exit status ${r.status}`;
}

/** The failure message: every failed check with the end of its output. */
export function formatCheckFailures(report: CheckReport, timeoutSec: number, tailLines = 20): string {
  const lines: string[] = [];
  for (const r of report.results) {
    if (r.status === 0) continue;
    lines.push(`  check failed: ${r.command}: ${describeStatus(r, timeoutSec)}`);
    const out = r.output.split('\n').filter((l) => l.trim() !== '');
    if (out.length) lines.push(...out.slice(-tailLines).map((l) => `    | ${l}`));
    else if (r.started) lines.push('    (no output)');
  }
  return lines.join('\n');
}
