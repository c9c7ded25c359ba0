// Helper of lock.test.ts: take the output lock in this process, say so, then hold it until told
// ("release" on stdin) or killed. With "spawn-sleep" it first starts a long `sleep` child, which
// must not inherit the lock.
import { spawn } from 'node:child_process';
import { silentLogger } from '../../../src/log.js';
import { acquireOutputLock } from '../../../src/outputs/lock.js';

const [outDir, imageName, mode] = process.argv.slice(2) as [string, string, string | undefined];
const lock = await acquireOutputLock(outDir, imageName, { wait: false, log: silentLogger });
if (mode === 'spawn-sleep') {
  const s = spawn('sleep', ['60'], { stdio: 'ignore', detached: true });
  s.unref();
  process.stdout.write(`sleep ${s.pid}\n`);
}
process.stdout.write('locked\n');
process.stdin.on('data', (d) => {
  if (d.toString().includes('release')) {
    void lock.release().then(() => {
      process.stdout.write('released\n');
      process.exit(0);
    });
  }
});
