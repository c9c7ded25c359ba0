/**
 * `kiln doctor`: the host's readiness as one table. Every check reuses the probe the build or the
 * boot test runs (preflight's tool list, the sandbox's environment detection, the KVM probe, the
 * binfmt_misc check); nothing is registered or changed. Each row is ok, warn (works, but slower or
 * without a feature) or fail (the main job, a Debian image with `debian-minimal vm`, cannot run).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, statfsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ensureEmulation } from '../arch/emulation.js';
import { ARCHES, hostArchInfo, runsNatively } from '../arch/index.js';
import { planBuild } from '../build/plan.js';
import { requiredTools } from '../build/preflight.js';
import { buildSteps } from '../build/steps.js';
import type { BuildConfig } from '../config/build-config.js';
import { isKilnError } from '../errors.js';
import { findTool, toolPath } from '../exec/tools.js';
import { silentLogger } from '../log.js';
import { classifyEnvironment, readHostFacts } from '../sandbox/environment.js';
import { currentIdentity } from '../sandbox/identity.js';
import { OVMF_CODE } from '../vm/qemu-args.js';
import { probeKvm } from '../vm/index.js';
import { formatBytes } from '../block-device/summary.js';
import { GiB } from '../units.js';
import { parseBuildArgs } from './build-command.js';

export type Status = 'ok' | 'warn' | 'fail';
export interface Check {
  group: 'tools' | 'sandbox' | 'vm' | 'arch' | 'space';
  name: string;
  status: Status;
  /** what was found: a version, a range, a verdict */
  detail: string;
  /** what needs it */
  needs?: string;
  /** space checks: the free bytes */
  bytes?: number;
  hint?: string;
}
export interface DoctorReport {
  /** the main job (a Debian image, debian-minimal vm) can run: no check failed */
  ready: boolean;
  checks: Check[];
}

/** The build the table is about, and the one with every output format (whose extra tools only warn). */
const MAIN_BUILD = ['debian-minimal', 'vm', '-t', 'qcow2'];
const ALL_FORMATS = ['debian-minimal', 'vm', 'block-device-efi', '-t', 'qcow2,raw,vhd,vhdx,vmdk,tar,tgz,squash'];

/** How to ask a tool its version, where --version is not it. */
const VERSION_ARGS: Record<string, string[]> = {
  mke2fs: ['-V'],
  'mkfs.xfs': ['-V'],
  mksquashfs: ['-version'],
  busybox: [],
  newuidmap: ['--version'],
};

export function toolVersion(path: string, name: string, pathEnv: string): string {
  const r = spawnSync(path, VERSION_ARGS[name] ?? ['--version'], {
    encoding: 'utf8',
    timeout: 5000,
    env: { ...process.env, PATH: toolPath(pathEnv), LC_ALL: 'C' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const text = `${r.stdout ?? ''}\n${r.stderr ?? ''}`;
  const line = text.split('\n').find((l) => /\d+\.\d+/.test(l));
  const v = line?.match(/\d+(?:\.\d+)+(?:[-~+][0-9A-Za-z.+~-]*)?/)?.[0];
  return v ?? 'found (version unknown)';
}

function configFor(args: string[], env: NodeJS.ProcessEnv): BuildConfig {
  const { config } = parseBuildArgs([...args, '-o', join(tmpdir(), 'kiln-doctor')], env);
  return config!;
}

function toolChecks(env: NodeJS.ProcessEnv): Check[] {
  const main = configFor(MAIN_BUILD, env);
  const all = configFor(ALL_FORMATS, env);
  const needsOf = (c: BuildConfig) => {
    const plan = planBuild(c);
    const m = new Map<string, string[]>();
    for (const { tool, why } of requiredTools(c, plan, buildSteps(c, plan))) m.set(tool, [...new Set([...(m.get(tool) ?? []), why])]);
    return m;
  };
  const required = needsOf(main);
  const optional = needsOf(all);
  for (const t of required.keys()) optional.delete(t);
  optional.set('qemu-system-x86_64', ['kiln boot-test and --boot-test (qemu-system-x86)']);
  const rows: Check[] = [];
  for (const [needs, status] of [
    [required, 'fail'],
    [optional, 'warn'],
  ] as const) {
    for (const [tool, whys] of [...needs].sort((a, b) => a[0].localeCompare(b[0]))) {
      const path = findTool(tool, main.hostPath);
      rows.push({
        group: 'tools',
        name: tool,
        status: path ? 'ok' : status,
        detail: path ? toolVersion(path, tool, main.hostPath) : 'missing',
        needs: whys.join('; '),
      });
    }
  }
  rows.push({
    group: 'tools',
    name: 'OVMF',
    status: existsSync(OVMF_CODE) ? 'ok' : 'warn',
    detail: existsSync(OVMF_CODE) ? OVMF_CODE : 'missing',
    needs: 'kiln boot-test --uefi (ovmf)',
  });
  return rows;
}

function sandboxChecks(env: NodeJS.ProcessEnv, hostPath: string): Check[] {
  const id = currentIdentity();
  const facts = readHostFacts(id, hostPath);
  const rows: Check[] = [];
  try {
    const e = classifyEnvironment(facts);
    const detail =
      e.kind === 'root'
        ? 'real root: namespaces directly'
        : e.kind === 'userns-root'
          ? `root of a user namespace mapping ${e.count} ids: builds work; no device nodes are made (mmdebstrap in unshare mode)`
          : e.kind === 'subids'
            ? 'a user with subordinate ids: rootless builds'
            : `fakeroot mode (${e.why}): builds work; Debian bootstraps with mmdebstrap --mode=fakechroot, several times slower`;
    // fakeroot mode builds the main job too (docs/rootless.md), only slower: a warning with the fix
    rows.push({
      group: 'sandbox',
      name: 'environment',
      status: e.kind === 'fakeroot' ? 'warn' : 'ok',
      detail,
      needs: 'every build',
      ...(e.kind === 'fakeroot' ? { hint: `sudo usermod --add-subuids 100000-165535 --add-subgids 100000-165535 ${id.user}` } : {}),
    });
  } catch (e) {
    if (!isKilnError(e)) throw e;
    rows.push({ group: 'sandbox', name: 'environment', status: 'fail', detail: e.message, needs: 'every build', ...(e.hint ? { hint: e.hint } : {}) });
  }
  const range = (r?: { start: number; count: number }) => (r ? `${r.start}-${r.start + r.count - 1} (${r.count} ids)` : 'none');
  if (id.uid !== 0) {
    rows.push({
      group: 'sandbox',
      name: 'subordinate ids',
      status: facts.subuid && facts.subgid ? 'ok' : 'warn',
      detail: `${id.user}: uids ${range(facts.subuid)}, gids ${range(facts.subgid)}`,
      needs: "rootless builds with the tree's real owners",
      ...(facts.subuid && facts.subgid ? {} : { hint: `sudo usermod --add-subuids 100000-165535 --add-subgids 100000-165535 ${id.user}` }),
    });
  } else {
    rows.push({ group: 'sandbox', name: 'subordinate ids', status: 'ok', detail: `${id.user}: not needed as root`, needs: 'rootless builds' });
  }
  // a real user namespace, as the sandbox makes one (the sysctls alone do not say AppArmor allows it)
  const unshare = findTool('unshare', hostPath);
  const probe = unshare
    ? spawnSync(unshare, ['--user', '--map-root-user', '--mount', '--pid', '--fork', 'true'], { encoding: 'utf8', timeout: 10_000 })
    : undefined;
  const sysctls = [
    facts.usernsClone !== undefined ? `unprivileged_userns_clone=${facts.usernsClone}` : '',
    facts.maxUserNamespaces !== undefined ? `max_user_namespaces=${facts.maxUserNamespaces}` : '',
    facts.apparmorRestrict !== undefined ? `apparmor_restrict_unprivileged_userns=${facts.apparmorRestrict}` : '',
  ].filter(Boolean);
  rows.push({
    group: 'sandbox',
    name: 'user namespaces',
    status: probe?.status === 0 ? 'ok' : 'fail',
    detail: `${probe?.status === 0 ? 'unshare --user --map-root-user works' : unshare ? `unshare --user failed: ${(probe?.stderr ?? '').trim().split('\n').pop() || `exit ${probe?.status}`}` : 'unshare missing'}${sysctls.length ? ` (${sysctls.join(', ')})` : ''}`,
    needs: 'the in-tree phases (sandbox)',
    ...(probe?.status === 0 ? {} : { hint: 'see docs/rootless.md: the sysctls and AppArmor rules that allow user namespaces' }),
  });
  void env;
  return rows;
}

async function kvmCheck(hostPath: string): Promise<Check> {
  if (!findTool('qemu-system-x86_64', hostPath)) {
    return { group: 'vm', name: 'KVM', status: 'warn', detail: 'not probed: qemu-system-x86_64 is missing', needs: 'fast boot tests' };
  }
  const v = await probeKvm('bios', silentLogger, tmpdir());
  return {
    group: 'vm',
    name: 'KVM',
    status: v.accel === 'kvm' ? 'ok' : 'warn',
    detail: `${v.accel === 'kvm' ? 'KVM works' : 'TCG (software emulation, slower)'}: ${v.reason}`,
    needs: 'fast boot tests (kiln boot-test --accel auto picks this)',
  };
}

function archChecks(config: BuildConfig): Check[] {
  const host = hostArchInfo();
  if (!host) return [{ group: 'arch', name: 'host', status: 'warn', detail: `${process.arch} is not in Kiln's architecture table` }];
  const rows: Check[] = [];
  for (const target of ARCHES.values()) {
    if (runsNatively(host, target)) continue;
    let status: Status = 'ok';
    let detail: string;
    let hint: string | undefined;
    try {
      detail =
        ensureEmulation(target, { host, binfmtDir: config.binfmtDir, binfmtDataDir: config.binfmtDataDir, canRegister: false }) ??
        `qemu-${target.qemuCpu} registered (binfmt_misc)`;
    } catch (e) {
      if (!isKilnError(e)) throw e;
      status = 'warn';
      detail = e.message;
      hint = e.hint;
    }
    rows.push({ group: 'arch', name: target.name, status, detail, needs: `-a ${target.name} builds`, ...(hint ? { hint } : {}) });
  }
  return rows;
}

/** The nearest existing directory at or above `p` (a cache that is not made yet). */
function existingAncestor(p: string): string {
  let d = p;
  while (!existsSync(d) && dirname(d) !== d) d = dirname(d);
  return d;
}

export function spaceCheck(name: string, dir: string, needs: string): Check {
  const at = existingAncestor(dir);
  try {
    const s = statfsSync(at);
    const free = s.bavail * s.bsize;
    const status: Status = free < 1 * GiB ? 'fail' : free < 4 * GiB ? 'warn' : 'ok';
    return {
      group: 'space',
      name,
      status,
      detail: `${formatBytes(free)} free in ${dir}${at !== dir ? ` (on ${at})` : ''}`,
      needs,
      bytes: free,
      ...(status === 'ok' ? {} : { hint: 'a Debian build needs about 4 GiB here; free some space or point the variable elsewhere' }),
    };
  } catch (e) {
    return { group: 'space', name, status: 'fail', detail: `${dir}: ${(e as Error).message}`, needs };
  }
}

export async function runDoctor(env: NodeJS.ProcessEnv): Promise<DoctorReport> {
  const config = configFor(MAIN_BUILD, env);
  const checks: Check[] = [
    ...toolChecks(env),
    ...sandboxChecks(env, config.hostPath),
    await kvmCheck(config.hostPath),
    ...archChecks(config),
    spaceCheck('cache', config.cacheDir, 'the bootstrap cache (DIB_IMAGE_CACHE)'),
    spaceCheck('TMP_DIR', config.tmpDir, "the build's workspace (TMP_DIR)"),
  ];
  return { ready: !checks.some((c) => c.status === 'fail'), checks };
}

export function formatDoctor(r: DoctorReport): string {
  const head = ['', 'check', 'status', 'found', 'needed by'];
  const rows = r.checks.map((c) => [c.group, c.name, c.status, c.detail, c.needs ?? '']);
  // the found column is padded to 40 (longer findings push their row's last column right)
  const w = head.map((h, i) => Math.min(i === 3 ? 40 : 100, Math.max(h.length, ...rows.map((row) => (i < 4 ? row[i]!.length : 0)))));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i < 4 ? c.padEnd(w[i]!) : c))
      .join('  ')
      .trimEnd();
  const out = [line(head)];
  for (const [i, row] of rows.entries()) {
    out.push(line(row));
    const hint = r.checks[i]!.hint;
    if (hint && r.checks[i]!.status !== 'ok') out.push(`${' '.repeat(w[0]! + w[1]! + w[2]! + 6)}hint: ${hint}`);
  }
  if (r.checks.some((c) => c.group === 'tools' && c.detail === 'missing')) {
    out.push('', 'missing tools: scripts/setup installs them (or install the package named in parentheses)');
  }
  out.push('', r.ready ? 'ready: a Debian image (debian-minimal vm) can be built here' : 'not ready: fix the rows marked fail');
  return out.join('\n');
}
