/**
 * The in-target half of package-installs and pkg-map (elements/package-installs, elements/pkg-map):
 * our host side writes /tmp/package-installs.json and /usr/share/pkg-map/*.kiln, then the phase
 * hooks run under bash, dash and busybox sh with a recording install-packages.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { formatSquashedJson, squashPackageInstalls } from '../../../src/elements/package-installs.js';
import { writePkgMapFiles } from '../../../src/elements/pkg-map-files.js';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const PI = join(ROOT, 'elements/package-installs');
const FIX = join(ROOT, 'tests/fixtures/package-installs/path-a');
const SHELLS = [['bash'], ['dash'], ['busybox', 'sh']].filter(([s]) => spawnSync('sh', ['-c', `command -v ${s}`]).status === 0);
const tmp = mkdtempSync(join(tmpdir(), 'kiln-pi-element-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

interface Target {
  dir: string;
  log: string;
  env: Record<string, string>;
}

/** A fake target: PATH with our scripts run by `shell`, optionally a recording install-packages. */
function makeTarget(shell: string[], withInstaller: boolean): Target {
  const dir = mkdtempSync(join(tmp, `${shell.join('-')}-`));
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  const scripts: Record<string, string> = {
    'pkg-map': join(ROOT, 'elements/pkg-map/bin/pkg-map'),
    'package-installs': join(PI, 'bin/package-installs'),
    'package-uninstalls': join(PI, 'bin/package-uninstalls'),
    'package-installs-v2': join(PI, 'bin/package-installs-v2'),
  };
  for (const [name, real] of Object.entries(scripts)) {
    writeFileSync(join(bin, name), `#!/bin/sh\nexec ${shell.join(' ')} ${real} "$@"\n`);
    chmodSync(join(bin, name), 0o755);
  }
  const log = join(dir, 'install.log');
  if (withInstaller) {
    writeFileSync(join(bin, 'install-packages'), `#!/bin/sh\necho "$*" >> ${log}\n`);
    chmodSync(join(bin, 'install-packages'), 0o755);
  }
  const elements = ['pi-mapped', 'pi-basic', 'pi-uninstall'].map((name) => ({ name, path: join(FIX, name) }));
  writePkgMapFiles(elements, { distro: 'debian', release: 'bookworm' }, dir);
  const json = join(dir, 'package-installs.json');
  writeFileSync(json, formatSquashedJson(squashPackageInstalls(elements, { env: {}, arch: 'amd64' })));
  return { dir, log, env: { PATH: `${bin}:/usr/bin:/bin`, KILN_PKG_MAP_DIR: join(dir, 'usr/share/pkg-map'), KILN_PACKAGE_INSTALLS_JSON: json } };
}

function runHook(t: Target, shell: string[], hook: string, hooksDir = join(PI, hook.split('/')[0] ?? '')) {
  const file = join(hooksDir, hook.split('/')[1] ?? '');
  const [cmd = 'sh', ...pre] = shell;
  const r = spawnSync(cmd, [...pre, file], { env: t.env, encoding: 'utf8' });
  const calls = existsSync(t.log) ? readFileSync(t.log, 'utf8').trim().split('\n') : [];
  rmSync(t.log, { force: true });
  return { status: r.status, out: `${r.stdout}${r.stderr}`, calls };
}

for (const shell of SHELLS) {
  describe(`package-installs hooks under ${shell.join(' ')}`, () => {
    it('install.d/01 maps per element, drops "" maps, de-duplicates, passes unmapped names', () => {
      const t = makeTarget(shell, true);
      const r = runHook(t, shell, 'install.d/01-package-installs');
      assert.equal(r.status, 0, r.out);
      // element order, mapped, '' dropped, duplicates (vim-tiny, build-essential) once
      assert.deepEqual(r.calls, ['vim-tiny unmapped-name build-essential curl wget vim both-keys']);
    });

    it('install.d/99 removes uninstall and build-only packages with -e', () => {
      const t = makeTarget(shell, true);
      const r = runHook(t, shell, 'install.d/99-package-uninstalls');
      assert.equal(r.status, 0, r.out);
      assert.equal(r.calls.length, 1);
      const [flag, ...pkgs] = (r.calls[0] ?? '').split(' ');
      assert.equal(flag, '-e');
      assert.deepEqual(pkgs.sort(), ['both-keys', 'build-essential', 'networkmanager', 'still-uninstalled']);
    });

    it('pre-install.d/10 splits a mapping to several packages', () => {
      const t = makeTarget(shell, true);
      const r = runHook(t, shell, 'pre-install.d/10-package-installs');
      assert.equal(r.status, 0, r.out);
      assert.deepEqual((r.calls[0] ?? '').split(' ').sort(), ['early-tool', 'grub2', 'pkg-one', 'pkg-two']);
    });

    it('without install-packages: a phase with nothing to do is a no-op, one with packages fails clearly', () => {
      const t = makeTarget(shell, false);
      writeFileSync(t.env.KILN_PACKAGE_INSTALLS_JSON ?? '', '{}');
      const ok = runHook(t, shell, 'post-install.d/95-package-uninstalls');
      assert.equal(ok.status, 0, ok.out);
      const t2 = makeTarget(shell, false);
      const bad = runHook(t2, shell, 'install.d/01-package-installs');
      assert.equal(bad.status, 1, bad.out);
      assert.match(bad.out, /no install-packages in the target, but install\.d must install: /);
    });

    it('legacy package-installs-<element> files: all installed at the start, "-" ones removed at the end', () => {
      const t = makeTarget(shell, true);
      const hooks = join(t.dir, 'hooks', 'install.d');
      mkdirSync(hooks, { recursive: true });
      for (const h of ['01-package-installs', '99-package-uninstalls']) writeFileSync(join(hooks, h), readFileSync(join(PI, 'install.d', h)));
      writeFileSync(join(hooks, 'package-installs-pi-mapped'), '# comment\n\ngeneric-editor\n  -removed-later  \n');
      writeFileSync(t.env.KILN_PACKAGE_INSTALLS_JSON ?? '', '{}');
      const start = runHook(t, shell, 'install.d/01-package-installs', hooks);
      assert.equal(start.status, 0, start.out);
      assert.deepEqual(start.calls, ['vim-tiny build-essential']);
      const end = runHook(t, shell, 'install.d/99-package-uninstalls', hooks);
      assert.equal(end.status, 0, end.out);
      assert.deepEqual(end.calls, ['-e build-essential']);
    });

    it('--noop prints the command; a missing JSON file is an error', () => {
      const t = makeTarget(shell, true);
      const [cmd = 'sh', ...pre] = shell;
      const r = spawnSync(
        cmd,
        [...pre, join(PI, 'bin/package-installs-v2'), '--phase', 'post-install.d', '--uninstall', '-n', t.env.KILN_PACKAGE_INSTALLS_JSON ?? ''],
        { env: t.env, encoding: 'utf8' },
      );
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /^install-packages -e late-removal$/m);
      const m = spawnSync(cmd, [...pre, join(PI, 'bin/package-installs-v2'), '--phase', 'install.d', join(t.dir, 'nope.json')], {
        env: t.env,
        encoding: 'utf8',
      });
      assert.equal(m.status, 1);
      assert.match(m.stderr, /nope\.json does not exist/);
    });
  });
}
