/**
 * The containerfile element's install-packages picks the tree's own package manager ($YUM, dnf,
 * yum, apt-get) and calls it as DIB's yum and dpkg elements do. Run on the host with a PATH that
 * holds only recording stand-ins for the package managers (and basename, which the script uses).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const SCRIPT = resolve('elements/containerfile/bin/install-packages');

function run(managers: string[], args: string[], env: Record<string, string> = {}): { status: number; calls: string; stderr: string } {
  const dir = mkdtempSync(join(tmpdir(), 'kiln-install-packages-'));
  try {
    const log = join(dir, 'calls');
    writeFileSync(log, '');
    for (const m of managers) writeFileSync(join(dir, m), `#!/bin/sh\necho "${m} $*" >> ${log}\n`, { mode: 0o755 });
    symlinkSync(spawnSync('sh', ['-c', 'command -v basename'], { encoding: 'utf8' }).stdout.trim(), join(dir, 'basename'));
    const r = spawnSync('/bin/sh', [SCRIPT, ...args], { encoding: 'utf8', env: { PATH: dir, ...env } });
    return { status: r.status ?? -1, calls: readFileSync(log, 'utf8'), stderr: r.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('dnf: install, remove (-e), upgrade (-u), download only (-d)', () => {
  assert.equal(run(['dnf'], ['a', 'b']).calls, 'dnf -y install a b\n');
  assert.equal(run(['dnf'], ['-e', 'a']).calls, 'dnf -y remove a\n');
  assert.equal(run(['dnf'], ['-u']).calls, 'dnf -y upgrade\n');
  assert.equal(run(['dnf'], ['-d', 'a']).calls, 'dnf -y install --downloadonly a\n');
});

test('$YUM wins; yum when there is no dnf; apt-get for Debian-family images', () => {
  assert.equal(run(['dnf', 'yum'], ['a'], { YUM: 'yum' }).calls, 'yum -y install a\n');
  assert.equal(run(['yum'], ['a']).calls, 'yum -y install a\n');
  assert.match(run(['apt-get'], ['a']).calls, /^apt-get --option Dpkg::Options::=--force-confold .* --assume-yes install a\n$/);
  assert.match(run(['apt-get'], ['-u']).calls, /--assume-yes dist-upgrade\n$/);
});

test('no package manager in the tree: an error saying so; no packages: nothing runs', () => {
  const none = run([], ['a']);
  assert.equal(none.status, 1);
  assert.match(none.stderr, /the tree has no dnf, yum or apt-get/);
  const empty = run(['dnf'], []);
  assert.equal(empty.status, 0);
  assert.equal(empty.calls, '');
});
