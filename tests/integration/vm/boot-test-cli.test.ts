/** `kiln boot-test` as a user runs it: failure output, exit codes, nothing left behind. */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { findTool } from '../../helpers/host-tools.js';
import { processesMentioning, runCli } from '../../helpers/cli.js';

const skip = !findTool('qemu-system-x86_64') && process.env['CI'] !== 'true' ? 'qemu-system-x86_64 is not installed' : false;
const tmp = mkdtempSync(join(tmpdir(), 'kiln-boot-test-cli-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
const ours = () => readdirSync(tmpdir()).filter((f) => /^kiln-(boot-test|kvm-probe)-[A-Za-z0-9]{6}$/.test(f)).sort();

describe('kiln boot-test', { skip }, () => {
  it('an unbootable disk: exit 1 with the firmware lines, the log path, and nothing left running', () => {
    const image = join(tmp, 'empty.img');
    writeFileSync(image, Buffer.alloc(1 << 20));
    const before = ours();
    const log = join(tmp, 'console.log');
    const r = runCli('kiln', ['boot-test', image, '--timeout', '4', '--accel', 'tcg', '--log', log]);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /boot test of .*empty\.img failed: no match for \/login:\/ within 4 s/);
    assert.match(r.stderr, /last firmware lines:[\s\S]*No bootable device/);
    assert.ok(r.stderr.includes(`full console log: ${log}`));
    assert.ok(existsSync(log));
    assert.deepEqual(processesMentioning(image), []);
    assert.deepEqual(ours(), before, 'temp directories removed');
  });
  it('usage errors exit 2', () => {
    assert.equal(runCli('kiln', ['boot-test', join(tmp, 'x'), '--expect', '(']).status, 2);
    assert.equal(runCli('kiln', ['boot-test', join(tmp, 'x'), '--timeout', '0']).status, 2);
  });
  it('a missing image is a user error', () => {
    const r = runCli('kiln', ['boot-test', join(tmp, 'missing.img'), '--accel', 'tcg']);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /image not found/);
  });
});
