/**
 * The output lock: one build at a time per output name (output directory + image name), taken
 * before the build does any work and held until it ends.
 *
 * The lock is a listening Unix socket in the abstract namespace (unix(7)): binding a name that is
 * bound already fails with EADDRINUSE, and the kernel frees the name when the holder's socket is
 * closed, which includes the holder dying of SIGKILL. So the lock leaves no file anywhere, and a
 * killed build never leaves a stale lock behind. The name is made from the output directory's
 * device and inode (every path that reaches the directory, through symlinks, bind mounts or a
 * relative -o, names the same lock) and the image name. A build that finds the lock taken connects
 * to it and the holder answers with its pid, for the message.
 *
 * The abstract namespace belongs to the network namespace: builds in two containers with their own
 * network namespaces that share an output directory do not see each other's locks.
 *
 * Holding the lock, every temporary file of that output name is stale by definition, and is swept.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, statSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { KilnError } from '../errors.js';
import type { Logger } from '../log.js';
import { sweepStaleTemps } from './temp.js';

export interface OutputLock {
  /** the abstract socket name, without its leading NUL (for messages and tests) */
  name: string;
  /** release the lock; idempotent */
  release(): Promise<void>;
}

export interface LockOptions {
  /** wait for the other build instead of failing (--wait) */
  wait: boolean;
  log: Logger;
  /** how often a waiting build tries again */
  pollMs?: number;
}

/** The lock's name for `outDir/imageName.*`; `outDir` must exist. */
export function lockName(outDir: string, imageName: string): string {
  const st = statSync(outDir);
  const image = createHash('sha256').update(imageName).digest('hex').slice(0, 32);
  return `kiln-output-lock/${st.dev}:${st.ino}/${image}`;
}

/** Bind the abstract name; undefined when another process holds it. */
function tryBind(name: string): Promise<Server | undefined> {
  return new Promise((resolve, reject) => {
    const server = createServer((peer) => {
      peer.on('error', () => undefined);
      peer.end(`${process.pid}\n`);
    });
    server.once('error', (e: NodeJS.ErrnoException) => (e.code === 'EADDRINUSE' ? resolve(undefined) : reject(e)));
    server.listen(`\0${name}`, () => {
      server.unref(); // the lock never keeps Kiln alive on its own
      resolve(server);
    });
  });
}

/** Ask the holder of `name` for its pid (best effort, bounded). */
function holderOf(name: string): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    const sock = connect(`\0${name}`);
    const done = (): void => {
      clearTimeout(timer);
      sock.destroy();
      const pid = /^(\d+)\n/.exec(text)?.[1];
      resolve(pid ? `pid ${pid}` : 'pid unknown');
    };
    const timer = setTimeout(done, 1000);
    sock.on('data', (d) => {
      text += d.toString();
    });
    sock.on('end', done);
    sock.on('error', done);
  });
}

/**
 * Take the lock of the outputs `outDir/imageName.*` (creating `outDir`). Busy: a KilnError naming
 * the other build, or with `wait`, wait for it. Then sweep stale temporary outputs of that name.
 */
export async function acquireOutputLock(outDir: string, imageName: string, opts: LockOptions): Promise<OutputLock> {
  try {
    mkdirSync(outDir, { recursive: true });
  } catch (e) {
    throw new KilnError(`cannot create the output directory ${outDir}: ${(e as Error).message}`, { hint: 'check -o', cause: e });
  }
  const name = lockName(outDir, imageName);
  const outputs = join(outDir, imageName);
  let waiting = false;
  for (;;) {
    const server = await tryBind(name);
    if (server) {
      for (const p of sweepStaleTemps(outDir, imageName)) opts.log.info(`removed ${p}, left by an interrupted build`);
      return lockHandle(server, name);
    }
    const holder = await holderOf(name);
    if (!opts.wait) {
      throw new KilnError(`another build (${holder}) is writing ${outputs}.*`, {
        hint: 'wait for it to finish, or pass --wait (KILN_WAIT=1) to wait for it; or choose another -o',
      });
    }
    // a warning: shown even behind a progress display, where a silent wait would look like a hang
    if (!waiting) opts.log.warn(`waiting for another build (${holder}) writing ${outputs}.* to finish (--wait)`);
    waiting = true;
    await sleep(opts.pollMs ?? 250);
  }
}

function lockHandle(server: Server, name: string): OutputLock {
  let closed: Promise<void> | undefined;
  return {
    name,
    release() {
      closed ??= new Promise<void>((resolve) => server.close(() => resolve()));
      return closed;
    },
  };
}
