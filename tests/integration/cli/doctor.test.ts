// kiln doctor: one table of the host's readiness, each row checked here against an independent
// reading of the host (the tools' own --version, /etc/subuid, /dev/kvm, df), exit 0 when a Debian
// image can be built and 1 when not.
import assert from 'node:assert/strict';
import { accessSync, constants, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { REPO, runCli } from '../../helpers/cli.js';
import { findTool } from '../../helpers/host-tools.js';

interface Check {
  group: string;
  name: string;
  status: 'ok' | 'warn' | 'fail';
  detail: string;
  needs?: string;
  bytes?: number;
  hint?: string;
}
interface Report {
  ready: boolean;
  checks: Check[];
}
const row = (r: Report, group: string, name: string): Check => {
  const c = r.checks.find((x) => x.group === group && x.name === name);
  assert.ok(c, `no ${group}/${name} row in ${JSON.stringify(r.checks.map((x) => x.name))}`);
  return c;
};

describe('kiln doctor', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kiln-doctor-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const r = runCli('kiln', ['doctor', '--json'], { env: { TMP_DIR: dir } });
  const report = JSON.parse(r.stdout || '{}') as Report;

  it('is ready on a host that scripts/setup prepared: exit 0', () => {
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
    assert.equal(report.ready, true);
    assert.deepEqual(
      report.checks.filter((c) => c.status === 'fail'),
      [],
    );
  });

  it("reports the tools' versions as the tools themselves do, with what needs them", () => {
    const mke2fs = spawnSync(findTool('mke2fs')!, ['-V'], { encoding: 'utf8' }).stderr.match(/^mke2fs (\S+)/)?.[1];
    assert.equal(row(report, 'tools', 'mke2fs').detail, mke2fs);
    const qemuImg = spawnSync('qemu-img', ['--version'], { encoding: 'utf8' }).stdout.match(/version (\S+)/)?.[1];
    assert.equal(row(report, 'tools', 'qemu-img').detail, qemuImg);
    assert.match(row(report, 'tools', 'mmdebstrap').needs ?? '', /bootstrap/);
    assert.equal(row(report, 'tools', 'mmdebstrap').status, 'ok');
  });

  it('says KVM only when /dev/kvm is usable, TCG otherwise', () => {
    let kvm = true;
    try {
      accessSync('/dev/kvm', constants.R_OK | constants.W_OK);
    } catch {
      kvm = false;
    }
    const c = row(report, 'vm', 'KVM');
    if (!kvm) {
      assert.equal(c.status, 'warn');
      assert.match(c.detail, /^TCG/);
    } else assert.match(c.detail, c.status === 'ok' ? /^KVM works/ : /^TCG/);
  });

  it('free space of TMP_DIR as df reports it', () => {
    const c = row(report, 'space', 'TMP_DIR');
    const df = Number(spawnSync('df', ['-B1', '--output=avail', dir], { encoding: 'utf8' }).stdout.split('\n')[1]);
    assert.ok(Math.abs((c.bytes ?? 0) - df) < 256 * 1024 * 1024, `${c.bytes} vs df ${df}`);
    assert.ok(c.detail.includes(dir));
  });

  it('the user namespace the sandbox needs works', () => {
    assert.equal(row(report, 'sandbox', 'user namespaces').status, 'ok');
  });

  it("a rootless user's subordinate ids, as /etc/subuid has them", { skip: spawnSync('id', ['kiln-test']).status === 0 ? false : 'no kiln-test user' }, () => {
    const line = readFileSync('/etc/subuid', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('kiln-test:'))!;
    const [, start, count] = line.split(':').map(Number) as [number, number, number];
    const u = runCli('kiln', ['doctor', '--json'], { user: 'kiln-test', env: { TMP_DIR: '/tmp' } });
    const c = row(JSON.parse(u.stdout) as Report, 'sandbox', 'subordinate ids');
    assert.equal(c.status, 'ok');
    assert.ok(c.detail.startsWith(`kiln-test: uids ${start}-${start + count - 1} (${count} ids)`), c.detail);
  });

  it('a user without subordinate ids: fakeroot mode, a warning with the fix', {
    skip: spawnSync('id', ['kiln-nosub']).status === 0 ? false : 'no kiln-nosub user',
  }, () => {
    const u = runCli('kiln', ['doctor', '--json'], { user: 'kiln-nosub', env: { TMP_DIR: '/tmp' } });
    const j = JSON.parse(u.stdout) as Report;
    assert.equal(row(j, 'sandbox', 'environment').status, 'warn');
    assert.match(row(j, 'sandbox', 'environment').detail, /^fakeroot mode .*mmdebstrap --mode=fakechroot/);
    assert.match(row(j, 'sandbox', 'environment').hint ?? '', /usermod --add-subuids/);
    assert.equal(u.status, j.ready ? 0 : 1);
    assert.equal(row(j, 'sandbox', 'subordinate ids').detail, 'kiln-nosub: uids none, gids none');
  });

  it('exits 1 with the missing tools marked fail, each with what needs it', () => {
    // node run directly: no PATH, so every tool outside the sbin directories is missing
    const p = spawnSync(process.execPath, [join(REPO, 'dist/src/cli/kiln.js'), 'doctor'], { encoding: 'utf8', env: { PATH: join(dir, 'empty'), HOME: dir } });
    assert.equal(p.status, 1, p.stdout + p.stderr);
    assert.match(p.stdout, /^tools +mmdebstrap +fail +missing +bootstraps the root tree/m);
    assert.match(p.stdout, /^tools +qemu-img +fail +missing /m);
    assert.match(p.stdout, /^not ready: /m);
    assert.match(p.stdout, /^ +check +status +found +needed by$/m, 'one table with its header');
  });
});
