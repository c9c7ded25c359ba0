/**
 * Checks of the places a build writes to (TMP_DIR, DIB_IMAGE_CACHE, the -o directory, --logfile),
 * made before anything is created there. Every check is asynchronous and bounded by a timeout, so
 * a path on a hung filesystem cannot block the event loop (and with it SIGINT/SIGTERM). Kernel
 * pseudo filesystems (/proc, /sys, /dev, ...) are refused by type before anything touches them:
 * they are not storage, and mkdir there fails in ways Node's recursive mkdir loops on forever
 * (ENOENT under /proc).
 */
import { constants } from 'node:fs';
import { access, readFile, realpath, stat, statfs } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { dirname } from 'node:path';
import { KilnError } from '../errors.js';

/** A path the user gave, with the flag or variable that gave it and what to do instead. */
export interface PathUse {
  path: string;
  /** how the user wrote it, for messages: '--logfile /x', 'TMP_DIR=/x' */
  where: string;
  hint: string;
}

/** statfs f_type magic numbers (linux/magic.h) of filesystems that are kernel interfaces. */
const PSEUDO_FS = new Map<number, string>([
  [0x9fa0, 'proc'],
  [0x62656572, 'sysfs'],
  [0x27e0eb, 'cgroup'],
  [0x63677270, 'cgroup2'],
  [0x1cd1, 'devpts'],
  [0x64626720, 'debugfs'],
  [0x74726163, 'tracefs'],
  [0x73636673, 'securityfs'],
  [0x62656570, 'configfs'],
  [0xcafe4a11, 'bpf'],
  [0x6165676c, 'pstore'],
  [0xde5e81e4, 'efivarfs'],
  [0x19800202, 'mqueue'],
  [0x42494e4d, 'binfmt_misc'],
  [0x65735543, 'fusectl'],
  [0xf97cff8c, 'selinuxfs'],
  [0x6e736673, 'nsfs'],
]);
const TMPFS_MAGIC = 0x01021994;
export const PATH_CHECK_TIMEOUT_MS = 10_000;

/** Race an fs call against a timer; the timer does not keep the process alive. */
async function bounded<T>(what: string, use: PathUse, p: Promise<T>, ms = PATH_CHECK_TIMEOUT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new KilnError(`${what} did not answer within ${ms / 1000} s (a hung network filesystem?)`, {
            where: use.where,
            hint: use.hint,
          }),
        ),
      ms,
    );
    timer.unref();
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

const errCode = (e: unknown): string => (e as NodeJS.ErrnoException).code ?? '';

type Found = { path: string; isDir: boolean; exists: boolean } | { unreachable: string };

/** The path itself if it exists, else its nearest existing ancestor; or why neither can be seen. */
async function nearestExisting(use: PathUse, path: string): Promise<Found> {
  let p = path;
  for (;;) {
    try {
      const st = await bounded(`stat ${p}`, use, stat(p));
      return { path: p, isDir: st.isDirectory(), exists: p === path };
    } catch (e) {
      if (e instanceof KilnError) throw e;
      const code = errCode(e);
      if ((code !== 'ENOENT' && code !== 'ENOTDIR') || p === '/') {
        return { unreachable: `cannot look at ${p} (${code === 'EACCES' ? `permission denied for user ${userName()}` : (e as Error).message})` };
      }
      p = dirname(p);
    }
  }
}

/** The kernel filesystem type name if `dir` is on a pseudo filesystem (devtmpfs via mountinfo). */
async function pseudoFsType(dir: string, use: PathUse): Promise<string | undefined> {
  const fs = await bounded(`statfs ${dir}`, use, statfs(dir));
  const known = PSEUDO_FS.get(Number(fs.type));
  if (known || Number(fs.type) !== TMPFS_MAGIC) return known;
  // devtmpfs reports tmpfs' magic; only the mount table tells them apart
  const real = await bounded(`realpath ${dir}`, use, realpath(dir));
  const table = await bounded('reading /proc/self/mountinfo', use, readFile('/proc/self/mountinfo', 'utf8')).catch(() => '');
  let best = { len: -1, type: '' };
  for (const line of table.split('\n')) {
    const f = line.split(' ');
    const mp = (f[4] ?? '').replace(/\\(\d{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
    const type = f[f.indexOf('-') + 1] ?? '';
    const inside = real === mp || real.startsWith(mp === '/' ? '/' : `${mp}/`);
    if (f.length > 6 && inside && mp.length >= best.len) best = { len: mp.length, type };
  }
  return best.type === 'devtmpfs' ? 'devtmpfs' : undefined;
}

/**
 * `use.path` is (or can be created as) a directory the current user can write to, on a real
 * filesystem. Nothing is created. Returns the problem, or undefined.
 */
export async function checkDirectoryTarget(use: PathUse, opts: { mustBeWritable?: boolean } = {}, path = use.path): Promise<KilnError | undefined> {
  try {
    const at = await nearestExisting(use, path);
    // a place the build only passes on (DIB_IMAGE_CACHE without a cached bootstrap) may be out of reach
    if ('unreachable' in at) return opts.mustBeWritable === false ? undefined : problem(use, at.unreachable);
    if (!at.isDir) return problem(use, `${at.path} is not a directory`);
    const fsType = await pseudoFsType(at.path, use);
    if (fsType) return problem(use, `${at.path} is on a ${fsType} filesystem (a kernel interface, not storage)`);
    if (opts.mustBeWritable === false) return undefined;
    try {
      await bounded(`access ${at.path}`, use, access(at.path, constants.W_OK | constants.X_OK));
    } catch (e) {
      if (e instanceof KilnError) throw e;
      const verb = at.exists ? 'cannot write in' : `cannot create ${path}: no write access to`;
      const why = errCode(e) === 'EROFS' ? 'read-only filesystem' : `permission denied for user ${userName()}`;
      return problem(use, `${verb} ${at.path} (${why})`);
    }
    return undefined;
  } catch (e) {
    if (e instanceof KilnError) return e;
    throw e;
  }
}

/**
 * `use.path` is a file that can be written: an existing file or device that is not a directory,
 * or a new file in a directory that checkDirectoryTarget accepts.
 */
export async function checkFileTarget(use: PathUse): Promise<KilnError | undefined> {
  try {
    const st = await bounded(`stat ${use.path}`, use, stat(use.path));
    if (st.isDirectory()) return problem(use, `${use.path} is a directory`);
    try {
      await bounded(`access ${use.path}`, use, access(use.path, constants.W_OK));
    } catch (e) {
      if (e instanceof KilnError) throw e;
      return problem(use, `cannot write ${use.path} (${errCode(e) || (e as Error).message})`);
    }
    return undefined;
  } catch (e) {
    if (e instanceof KilnError) return e;
    if (errCode(e) !== 'ENOENT' && errCode(e) !== 'ENOTDIR') {
      return problem(use, `cannot look at ${use.path}: ${(e as Error).message}`);
    }
  }
  return checkDirectoryTarget(use, {}, dirname(use.path));
}

function problem(use: PathUse, message: string): KilnError {
  return new KilnError(message, { where: use.where, hint: use.hint });
}

function userName(): string {
  try {
    return userInfo().username;
  } catch {
    return String(process.getuid?.() ?? '?');
  }
}
