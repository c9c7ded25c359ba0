/**
 * What apt would install, from the host's package lists, without a tree or a download: apt-get
 * --simulate against a private dpkg status file, one step after another (each step's result is
 * "installed" for the next). The start is Debian's minbase (Priority: required, and apt), as
 * debootstrap and mmdebstrap make it. Needs the host's apt lists to be the release compared
 * (tests say which: the build host of CI is Debian 12).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface AptStep {
  /** what the step installs (apt-get install ARGS) */
  packages: string[];
  /** whether apt installs Recommends in this step */
  recommends: boolean;
}

function run(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 30, env: { ...process.env, LC_ALL: 'C' } });
  if (r.status !== 0) throw new Error(`${cmd} ${args.slice(0, 6).join(' ')}... failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

/** the host release's Priority: required packages (what minbase starts from) */
export function requiredPackages(): string[] {
  const out = run('sh', ['-c', "apt-cache dumpavail | awk '/^Package:/ { p = $2 } /^Priority: required$/ { print p }' | sort -u"]);
  return out.split('\n').filter(Boolean);
}

/** the host's release codename (/etc/os-release): its apt lists are that release's */
export function hostCodename(): string {
  return /^VERSION_CODENAME=(\S+)$/m.exec(run('cat', ['/etc/os-release']))?.[1] ?? '';
}

let minbase: string[] | undefined;

/** Every package installed after minbase and then `steps`, by name. */
export function aptSimulate(steps: AptStep[]): Set<string> {
  const dir = mkdtempSync(join(tmpdir(), 'kiln-apt-sim-'));
  try {
    const status = join(dir, 'status');
    const installed = new Set<string>();
    const writeStatus = () => {
      const names = [...installed].sort();
      const records = names.length ? run('apt-cache', ['show', '--no-all-versions', ...names]) : '';
      writeFileSync(
        status,
        records.replace(/^Package: .*$/gm, (line) => `${line}\nStatus: install ok installed`),
      );
    };
    const step = (s: AptStep) => {
      writeStatus();
      const out = run('apt-get', [
        '--simulate',
        '-q',
        '-o',
        `Dir::State::status=${status}`,
        '-o',
        `Dir::State::extended_states=${join(dir, 'extended_states')}`,
        '-o',
        'Debug::NoLocking=1',
        '-o',
        `APT::Install-Recommends=${s.recommends ? 1 : 0}`,
        '-o',
        'APT::Install-Suggests=0',
        'install',
        ...s.packages,
      ]);
      for (const m of out.matchAll(/^Inst (\S+)/gm)) if (m[1]) installed.add(m[1]);
    };
    writeFileSync(join(dir, 'extended_states'), '');
    if (!minbase) {
      step({ packages: [...requiredPackages(), 'apt'], recommends: false });
      minbase = [...installed];
    }
    for (const p of minbase) installed.add(p);
    for (const s of steps) step(s);
    return installed;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
