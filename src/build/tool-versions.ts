/**
 * The versions of the host tools a build used (the record of NAME.d/pin.json): each tool's path, and
 * the host package that owns it with its version (dpkg-query; rpm -qf on an rpm host). A tool no
 * package owns is recorded with its path only.
 */
import { mkdirSync, readFileSync, realpathSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Runner } from '../exec/runner.js';
import { findTool } from '../exec/tools.js';

export interface ToolVersion {
  tool: string;
  path: string;
  package?: string;
  version?: string;
}

/** dpkg-query -S output: "pkg[:arch][, pkg2]: /path" lines; the first package of each path. */
export function parseDpkgSearch(out: string): Map<string, string> {
  const owners = new Map<string, string>();
  for (const line of out.split('\n')) {
    const m = /^([^:]+(?::[a-z0-9]+)?(?:, [^:]+)*): (\/.*)$/.exec(line.trim());
    if (m && !m[1]!.startsWith('diversion by')) owners.set(m[2]!, m[1]!.split(', ')[0]!);
  }
  return owners;
}

/**
 * With a cache file: the answers of earlier builds are reused while dpkg's database is unchanged
 * (its status file's mtime), so a build asks dpkg only about tools it has not seen (~0.2 s each time
 * otherwise, on every build).
 */
export async function toolVersions(runner: Runner, tools: readonly string[], hostPath: string, cacheFile?: string): Promise<ToolVersion[]> {
  const found: ToolVersion[] = [];
  for (const tool of [...new Set(tools)].sort()) {
    const p = findTool(tool, hostPath);
    if (p) found.push({ tool, path: p });
  }
  const stamp = dpkgStamp();
  const known = cacheFile && stamp ? readKnown(cacheFile, stamp) : {};
  const todo = found.filter((t) => !(t.path in known));
  const asked = await askDpkg(runner, todo);
  const all = {
    ...known,
    ...Object.fromEntries(asked.map((t) => [t.path, { ...(t.package ? { package: t.package } : {}), ...(t.version ? { version: t.version } : {}) }])),
  };
  if (cacheFile && stamp && asked.length > 0) writeKnown(cacheFile, stamp, all);
  return found.map((t) => ({ ...t, ...all[t.path] }));
}

type Known = Record<string, { package?: string; version?: string }>;

function dpkgStamp(): string | undefined {
  const st = statSync('/var/lib/dpkg/status', { throwIfNoEntry: false });
  return st ? String(st.mtimeMs) : undefined;
}

function readKnown(file: string, stamp: string): Known {
  try {
    const j = JSON.parse(readFileSync(file, 'utf8')) as { stamp?: string; tools?: Known };
    return j.stamp === stamp && j.tools ? j.tools : {};
  } catch {
    return {};
  }
}

function writeKnown(file: string, stamp: string, tools: Known): void {
  try {
    mkdirSync(dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify({ stamp, tools }));
    renameSync(tmp, file);
  } catch {
    /* a cache that cannot be written only costs time */
  }
}

async function askDpkg(runner: Runner, found: ToolVersion[]): Promise<ToolVersion[]> {
  if (found.length === 0) return found;
  // usr-merged hosts: dpkg knows /bin/tar as /bin/tar or /usr/bin/tar; ask for both spellings
  const candidates = (p: string): string[] => {
    const real = safeRealpath(p);
    const all = [p, real, real.replace(/^\/usr\//, '/'), real.startsWith('/usr/') ? real : `/usr${real}`];
    return [...new Set(all)];
  };
  let owners = new Map<string, string>();
  try {
    // exit code 1: some path belongs to no package (its line is on stderr)
    const r = await runner.run('dpkg-query', ['-S', ...found.flatMap((t) => candidates(t.path))], { okExitCodes: [1] });
    owners = parseDpkgSearch(r.stdout);
  } catch {
    return found; // not a dpkg host: paths only
  }
  const pkgs = new Set<string>();
  for (const t of found) {
    const owner = candidates(t.path)
      .map((c) => owners.get(c))
      .find((o) => o !== undefined);
    if (owner) {
      t.package = owner;
      pkgs.add(owner);
    }
  }
  if (pkgs.size === 0) return found;
  const versions = new Map<string, string>();
  try {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's format string, not a template
    const r = await runner.run('dpkg-query', ['-W', '-f', '${binary:Package}\\t${Package}\\t${Version}\\n', ...pkgs]);
    for (const l of r.stdout.split('\n')) {
      const [bin, name, v] = l.split('\t');
      if (bin && v) {
        versions.set(bin, v);
        if (name) versions.set(name, v);
      }
    }
  } catch {
    /* versions stay unknown */
  }
  for (const t of found) if (t.package && versions.has(t.package)) t.version = versions.get(t.package)!;
  return found;
}

function safeRealpath(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return p;
  }
}
