/**
 * Temporary files of the outputs: hidden, with an unpredictable name, created with O_EXCL (so
 * nothing planted under that name, a symlink included, is ever written through), in the output
 * directory (so the rename into place is atomic). Names are `.NAME.kiln-tmp-<16 hex>.TAIL`, where
 * TAIL (e.g. `qcow2`, `tar.md5`, `docker.tar.layer`) never contains "kiln-tmp": that makes the
 * image name recoverable from a temp name, so the sweep of one output name never touches the
 * temporary files of another (`img` vs `img.docker`).
 */
import { randomBytes } from 'node:crypto';
import { closeSync, constants, openSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const MARK = 'kiln-tmp';

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Create a new empty file `.NAME.kiln-tmp-<random>.TAIL` in `dir` (mode 0644 less the umask). */
export function createTempFile(dir: string, imageName: string, tail: string): string {
  if (tail.includes(MARK)) throw new Error(`temp tail ${tail} must not contain ${MARK}`);
  for (;;) {
    const path = join(dir, `.${imageName}.${MARK}-${randomBytes(8).toString('hex')}.${tail}`);
    try {
      closeSync(openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o644));
      return path;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
}

/** Is `name` (a directory entry) a temporary file of the outputs of `imageName`? */
export function isTempOf(name: string, imageName: string): boolean {
  const m = new RegExp(`^\\.${escapeRegExp(imageName)}\\.${MARK}-[0-9a-f]{16}\\.(.+)$`).exec(name);
  return m !== null && !m[1]!.includes(MARK);
}

/** Names of earlier Kiln versions: `.NAME.EXT.(new|layer|tar)-PID`. */
function legacyTempPid(name: string, imageName: string): number | undefined {
  const m = new RegExp(`^\\.${escapeRegExp(imageName)}\\.[a-z0-9.]+\\.(?:new|layer|tar)-(\\d+)$`).exec(name);
  return m ? Number(m[1]) : undefined;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Remove the temporary files that builds of `imageName` left in `dir` (killed builds). Only call
 * it holding the output lock: then no other build is writing them. Old-style names (which do not
 * identify their image name unambiguously) are removed only when their process is gone.
 * Returns the removed paths.
 */
export function sweepStaleTemps(dir: string, imageName: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const pid = legacyTempPid(name, imageName);
    if (!isTempOf(name, imageName) && (pid === undefined || pid === process.pid || alive(pid))) continue;
    try {
      rmSync(join(dir, name), { force: true });
      removed.push(join(dir, name));
    } catch {
      /* not a file (a directory of that name is not ours): leave it */
    }
  }
  return removed;
}

/** The temporary files of one output format: made on demand, all removed by removeAll(). */
export class TempFiles {
  private readonly paths: string[] = [];
  constructor(
    private readonly dir: string,
    private readonly imageName: string,
  ) {}

  create(tail: string): string {
    const p = createTempFile(this.dir, this.imageName, tail);
    this.paths.push(p);
    return p;
  }

  /** Remove every temp file still there (those renamed into place are gone already). */
  removeAll(): void {
    for (const p of this.paths.splice(0)) rmSync(p, { force: true });
  }
}
