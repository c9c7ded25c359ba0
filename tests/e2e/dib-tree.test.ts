/**
 * End to end: DIB's own elements, taken unmodified from DIB's tree (the newest diskimage-builder that
 * Debian packages, installed by scripts/setup-test-oracle) first on ELEMENTS_PATH, and no DIB_*
 * variable set, so DIB's default release (stable) is built: debian-minimal vm (DIB's debootstrap, dpkg, ...; Kiln's bootloader runs in place of
 * DIB's, which needs IMAGE_BLOCK_DEVICE), with source-repositories from a local git repository,
 * svc-map, dib-python, install-types and package-installs. The tar output is read back; the qcow2
 * boots to a login prompt. DIB's hooks call sudo (installed by scripts/setup --test); their Python
 * imports the diskimage_builder beside the tree (Kiln's DIB_PYTHON_EXEC for DIB's trees), which is not
 * installed on the host. Run under the Debian build lock.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { REPO, runCli } from '../helpers/cli.js';
import { DIB_NEWEST_ELEMENTS } from '../helpers/dib-oracle.js';
import { makeElementTree, removeTree } from '../helpers/element-tree.js';

const isRoot = process.getuid?.() === 0;
const missing = [
  !isRoot && "root (DIB's hooks run sudo)",
  !existsSync(DIB_NEWEST_ELEMENTS) && `DIB's tree (${DIB_NEWEST_ELEMENTS}; scripts/setup-test-oracle)`,
].filter(Boolean);
const skip = missing.length > 0 && process.env.CI !== 'true' ? `needs ${missing.join(', ')}` : false;
const sh = (cmd: string) => {
  const r = spawnSync('bash', ['-euc', cmd], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim();
};

test("DIB's own debian-minimal vm, source-repositories, svc-map, dib-python, install-types, package-installs: build and boot with no variable set", {
  skip,
  timeout: 60 * 60_000,
}, () => {
  const out = mkdtempSync(join(tmpdir(), 'kiln-e2e-dib-tree-'));
  after(() => rmSync(out, { recursive: true, force: true }));
  sh(
    `git init -q -b master ${out}/demo && echo from-git > ${out}/demo/version && git -C ${out}/demo add version && git -C ${out}/demo -c user.name=t -c user.email=t@e commit -qm one`,
  );
  const sha = sh(`git -C ${out}/demo rev-parse HEAD`);
  const elements = makeElementTree({
    demo: {
      files: {
        'source-repository-demo': `demo git /opt/demo ${out}/demo master\n`,
        'svc-map': 'demo-svc:\n  default: demo-default\n  debian: demo-debian\n',
        'package-installs.yaml': 'jq:\n',
        // svc-map and dib-python are DIB's: svc-map is a Python script that needs PyYAML in the tree
        'install.d/demo-source-install/70-demo':
          '#!/bin/bash\nset -eu\ncat /opt/demo/version > /root/demo-source\nsvc-map demo-svc > /root/demo-svc\nreadlink -f /usr/bin/dib-python > /root/demo-python\n',
        'install.d/demo-package-install/70-demo': '#!/bin/bash\necho package > /root/demo-source\n',
      },
    },
  });
  after(() => removeTree(elements));
  const env: Record<string, string> = {
    ELEMENTS_PATH: `${DIB_NEWEST_ELEMENTS}:${elements}`,
    TMP_DIR: out,
  };
  // nothing of the caller's DIB_* environment either
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('DIB_') && k !== 'ELEMENTS_PATH'));
  const r = spawnSync(
    join(REPO, 'bin/disk-image-create'),
    ['-t', 'tar,qcow2', '-o', join(out, 'img'), 'debian-minimal', 'vm', 'source-repositories', 'svc-map', 'dib-python', 'demo'],
    {
      env: { ...clean, ...env, CI: 'true' },
      encoding: 'utf8',
      maxBuffer: 256 << 20,
      timeout: 50 * 60_000,
    },
  );
  assert.equal(r.status, 0, `${r.stdout.slice(-3000)}\n${r.stderr.slice(-3000)}`);
  assert.match(r.stdout + r.stderr, /Element bootloader: Kiln's .* runs in place of .*diskimage_builder\/elements\/bootloader/);
  const tar = join(out, 'img.tar');
  const file = (p: string) => spawnSync('tar', ['-xOf', tar, p], { encoding: 'utf8', maxBuffer: 64 << 20 }).stdout;
  assert.equal(file('./root/demo-source'), 'from-git\n', 'the source install type ran, with the git checkout in place');
  assert.equal(file('./root/demo-svc'), 'demo-debian\n');
  assert.match(file('./root/demo-python'), /python3/);
  assert.match(file('./etc/dib-manifests/dib-manifest-git-img'), new RegExp(`^demo git /opt/demo ${out}/demo ${sha}$`, 'm'));
  assert.match(file('./var/lib/dpkg/status'), /^Package: jq\nStatus: install ok installed$/m);
  // DIB's default release, stable, as DIB's debian-minimal resolves it: the tree's apt sources say
  // stable, and it is Debian 13 or later (/etc/os-release links to /usr/lib/os-release)
  const listed = spawnSync('tar', ['-tf', tar], { encoding: 'utf8', maxBuffer: 256 << 20 }).stdout.split('\n');
  const sources = listed
    .filter((p) => /^\.\/etc\/apt\/sources\.list(?:\.d\/[^/]+\.(?:list|sources))?$/.test(p))
    .map(file)
    .join('\n');
  assert.match(sources, /^(?:deb \S+ stable\b|Suites: stable\b)/m, sources);
  assert.ok(Number(/^VERSION_ID="(\d+)"$/m.exec(file('./usr/lib/os-release'))?.[1]) >= 13, file('./usr/lib/os-release'));
  const boot = runCli('kiln', ['boot-test', join(out, 'img.qcow2'), '--timeout', '900'], { timeoutMs: 20 * 60_000 });
  assert.equal(boot.status, 0, (boot.stdout + boot.stderr).slice(-4000));
  assert.match(boot.stdout, /boot-test: OK/);
});
