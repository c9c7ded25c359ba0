/**
 * Host tool lookup: PATH plus the sbin directories an unprivileged user's PATH often lacks. The
 * caller passes PATH (the build's setting; src/cli reads the environment).
 */
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

const EXTRA = ['/usr/local/sbin', '/usr/sbin', '/sbin'];

export function findTool(name: string, pathEnv: string): string | undefined {
  if (name.includes('/')) return isExecutable(name) ? name : undefined;
  const dirs = [...pathEnv.split(delimiter).filter(Boolean), ...EXTRA];
  for (const d of dirs) {
    const p = join(d, name);
    if (isExecutable(p)) return p;
  }
  return undefined;
}

function isExecutable(p: string): boolean {
  try {
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** PATH with the sbin directories appended, for child processes. */
export function toolPath(pathEnv: string): string {
  const dirs = pathEnv.split(delimiter).filter(Boolean);
  for (const e of EXTRA) if (!dirs.includes(e)) dirs.push(e);
  return dirs.join(delimiter);
}
