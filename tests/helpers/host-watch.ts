/**
 * Watch the host while builds run: a separate process samples the mount table and `losetup -a`
 * every 200 ms, so a mount or loop device that exists only for a moment is seen too.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface HostWatch {
  stop(): { mounts: string[]; loops: string[] };
}

const SCRIPT = `while :; do echo '#M'; cut -d' ' -f5 /proc/self/mountinfo; echo '#L'; losetup -a 2>/dev/null; sleep 0.2; done`;

export function watchHost(logFile: string): HostWatch {
  const baseMounts = new Set(
    readFileSync('/proc/self/mountinfo', 'utf8')
      .trim()
      .split('\n')
      .map((l) => l.split(' ')[4]!),
  );
  const child: ChildProcess = spawn('sh', ['-c', `exec >${logFile}; ${SCRIPT}`], { stdio: 'ignore' });
  return {
    stop() {
      child.kill('SIGKILL');
      const mounts = new Set<string>();
      const loops = new Set<string>();
      let section = '';
      for (const line of readFileSync(logFile, 'utf8').split('\n')) {
        if (line === '#M' || line === '#L') section = line;
        else if (line && section === '#M' && !baseMounts.has(line)) mounts.add(line);
        else if (line && section === '#L') loops.add(line);
      }
      return { mounts: [...mounts].sort(), loops: [...loops].sort() };
    },
  };
}
