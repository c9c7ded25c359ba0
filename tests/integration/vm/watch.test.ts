/** runWatching with a shell standing in for QEMU: match, timeout, early exit, abort; the child is always gone. */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { silentLogger } from '../../../src/log.js';
import { runWatching } from '../../../src/vm/watch.js';

const tmp = mkdtempSync(join(tmpdir(), 'kiln-watch-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** Running: exists and is not a zombie (a killed command's pid-namespace init is reaped by the host's init, later). */
function alive(pidFile: string): boolean {
  const pid = Number(readFileSync(pidFile, 'utf8'));
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat[stat.lastIndexOf(')') + 2] !== 'Z';
  } catch {
    return false;
  }
}

const sh = (script: string) => ({ qemu: 'sh', args: ['-c', script], log: silentLogger });
// the shell's host pid: $$ is its pid in the pid namespace every command gets; /proc is the host's
const savePid = (file: string) => `read -r p _ < /proc/self/stat; echo $p > ${file}`;

describe('runWatching', () => {
  it('stops at the first match and kills the process', async () => {
    const pid = join(tmp, 'pid1');
    const logFile = join(tmp, 'console.log');
    const r = await runWatching({
      ...sh(`${savePid(pid)}; printf 'booting\\r\\n\\033[1mdebian login: '; exec sleep 30`),
      expect: /login:/,
      timeoutMs: 20_000,
      logFile,
    });
    assert.equal(r.end, 'matched');
    assert.ok(r.seconds < 10, `took ${r.seconds} s`);
    assert.match(r.console, /booting\ndebian login: /);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the raw console has ESC sequences
    assert.match(readFileSync(logFile, 'utf8'), /\x1b\[1mdebian login/, 'the log file keeps the raw console');
    assert.equal(alive(pid), false);
  });
  it('times out', async () => {
    const pid = join(tmp, 'pid2');
    const r = await runWatching({ ...sh(`${savePid(pid)}; echo starting; exec sleep 30`), expect: /login:/, timeoutMs: 500 });
    assert.equal(r.end, 'timeout');
    assert.match(r.console, /starting/);
    assert.equal(alive(pid), false);
  });
  it('reports an exit before the match, with the status', async () => {
    const r = await runWatching({ ...sh('echo kernel panic; exit 3'), expect: /login:/, timeoutMs: 10_000 });
    assert.equal(r.end, 'exited');
    assert.equal(r.exitCode, 3);
  });
  it('a match printed just before exiting still counts', async () => {
    const r = await runWatching({ ...sh('echo "x login: "; exit 0'), expect: /login:/, timeoutMs: 10_000 });
    assert.equal(r.end, 'matched');
  });
  it('stops on abort', async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 300);
    const r = await runWatching({ ...sh('exec sleep 30'), expect: /login:/, timeoutMs: 20_000, signal: ac.signal });
    assert.equal(r.end, 'aborted');
  });
  it('a missing QEMU is an error, not a guest failure', async () => {
    await assert.rejects(runWatching({ qemu: 'kiln-no-such-qemu', args: [], expect: /x/, timeoutMs: 1000, log: silentLogger }), /not found/);
  });
});
