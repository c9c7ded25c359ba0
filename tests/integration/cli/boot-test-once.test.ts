// kiln boot-test reports its success once (it printed a "console matched" line and then the OK line),
// and on a terminal follows the console's last line while it waits. The guest: the KVM probe's boot
// sector, which prints a marker on the serial console.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { encodeProbeBootSector, PROBE_MARKER } from '../../../src/vm/probe-image.js';
import { BIN, runCli } from '../../helpers/cli.js';
import { findTool } from '../../helpers/host-tools.js';

describe('kiln boot-test success', {
  skip: !findTool('qemu-system-x86_64') && process.env.CI !== 'true' ? 'qemu-system-x86_64 is not installed' : false,
}, () => {
  const dir = mkdtempSync(join(tmpdir(), 'kiln-boot-once-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  const disk = Buffer.alloc(1 << 20);
  encodeProbeBootSector(10).copy(disk, 0);
  const image = join(dir, 'probe.raw');
  writeFileSync(image, disk);

  it('is one line, on stdout', () => {
    const r = runCli('kiln', ['boot-test', image, '--expect', PROBE_MARKER, '--accel', 'tcg', '--timeout', '60', '--format', 'raw']);
    assert.equal(r.status, 0, r.stderr);
    const all = `${r.stdout}${r.stderr}`;
    assert.equal(all.match(/matched|reached/g)?.length, 1, all);
    assert.match(r.stdout, /^boot-test: OK: .*probe\.raw reached .* in [\d.]+ s \(BIOS, TCG, raw\)$/m);
  });

  it("on a terminal, a status line follows the console's last line while waiting; piped, none", () => {
    const env = { ...process.env } as Record<string, string>;
    delete env.CI;
    const args = `${join(BIN, 'kiln')} boot-test ${image} --expect never-printed --accel tcg --timeout 4 --format raw`;
    const r = spawnSync('script', ['-qec', `stty cols 120 rows 40; ${args}`, '/dev/null'], { env, encoding: 'utf8', timeout: 120_000 });
    assert.equal(r.status, 1, r.stdout);
    assert.match(r.stdout, new RegExp(`\\r\\x1b\\[Kboot-test \\[\\d+ s\\] ${PROBE_MARKER}`), JSON.stringify(r.stdout));
    const piped = runCli('kiln', ['boot-test', image, '--expect', 'never-printed', '--accel', 'tcg', '--timeout', '3', '--format', 'raw']);
    assert.equal(piped.status, 1);
    assert.doesNotMatch(piped.stderr, /boot-test \[\d+ s\]/);
  });
});
