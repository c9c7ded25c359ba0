/**
 * Naming temporary files after the process that writes them, so that a later run can tell an
 * orphan (its writer is dead: killed, crashed, interrupted) from a file still being written.
 * A tag is `<pid>.<start time>`: the start time (clock ticks after boot, /proc/PID/stat field 22)
 * tells a reused pid from the writer. Tags are only meaningful within one pid namespace of one
 * boot, which is where Kiln's caches and workspaces are shared.
 */
import { readdirSync, readFileSync } from 'node:fs';

export interface ProcessTag {
  pid: number;
  start: number;
}

/** Start time of a process in clock ticks after boot; undefined when it does not exist. */
export function processStartTime(pid: number): number | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // the command name (field 2) is in parentheses and may hold spaces or parentheses itself
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const start = Number(fields[19]); // field 22 overall; fields[0] is field 3
  return Number.isFinite(start) ? start : undefined;
}

/** This process's tag, as it appears in file names: `<pid>.<start>`. */
export function processTag(pid = process.pid): string {
  return `${pid}.${processStartTime(pid) ?? 0}`;
}

export function parseProcessTag(s: string): ProcessTag | undefined {
  const m = /^(\d+)\.(\d+)$/.exec(s);
  return m ? { pid: Number(m[1]), start: Number(m[2]) } : undefined;
}

/** Is the process that made this tag still running? (start 0: the pid alone decides) */
export function processAlive(tag: ProcessTag): boolean {
  const start = processStartTime(tag.pid);
  return start !== undefined && (tag.start === 0 || start === tag.start);
}

/**
 * The entries of `parent` named PREFIX<pid>.<start>-... (processTag()) whose process is gone: the
 * temporary directories that runs killed before their cleanup left behind.
 */
export function deadProcessEntries(parent: string, prefix: string): string[] {
  let names: string[];
  try {
    names = readdirSync(parent);
  } catch {
    return [];
  }
  const re = new RegExp(`^${prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(\\d+\\.\\d+)-`);
  return names.filter((n) => {
    const tag = parseProcessTag(re.exec(n)?.[1] ?? '');
    return tag !== undefined && !processAlive(tag);
  });
}
