/**
 * End to end: DIB's own elements, taken unmodified from DIB's tree (Debian's python3-diskimage-builder)
 * with ELEMENTS_PATH first: debian-minimal vm (its debootstrap, dpkg and bootloader: Kiln's bootloader
 * runs in place of DIB's, which needs IMAGE_BLOCK_DEVICE), source-repositories with a local git
 * repository, svc-map, dib-python, install-types and package-installs. The tar output is read back;
 * the qcow2 boots to a login prompt. Run under the Debian build lock.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { REPO, runCli } from '../helpers/cli.js';
import { makeElementTree, removeTree } from '../helpers/element-tree.js';

const DIB_ELEMENTS = '/usr/lib/python3/dist-packages/diskimage_builder/elements';
const isRoot = process.getuid?.() === 0;
// as root only: DIB's hooks run sudo, which the shim below replaces
const skip = !isRoot && process.env.CI !== 'true' ? 'needs root (or CI)' : false;
const sh = (cmd: string) => {
  const r = spawnSync('bash', ['-euc', cmd], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim();
};

/**
 * The security archive of the host's apt configuration (deb822 .sources or one-line .list): DIB 3.13
 * defaults to a security mirror path that bookworm does not have, so the test passes the host's.
 */
function hostSecurityMirror(): string {
  const dir = '/etc/apt/sources.list.d';
  const files = ['/etc/apt/sources.list', ...(existsSync(dir) ? readdirSync(dir).map((f) => join(dir, f)) : [])].filter(
    (f) => /\.(list|sources)$/.test(f) && existsSync(f),
  );
  for (const f of files) {
    const text = readFileSync(f, 'utf8');
    for (const stanza of text.split(/\n\s*\n/)) {
      const uri = /^URIs:\s*(\S+)/m.exec(stanza)?.[1];
      if (uri && /^Suites:.*-security/m.test(stanza)) return uri;
    }
    const line = /^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+\S+-security\b/m.exec(text)?.[1];
    if (line) return line;
  }
  throw new Error("the host's apt configuration names no -security suite");
}

test("DIB's own debian-minimal vm, source-repositories, svc-map, dib-python, install-types, package-installs: build and boot", {
  skip,
  // not passing yet: DIB's whole element set gets through root.d, extra-data.d (source-repositories,
  // svc-map, install-types, package-installs) and install.d's packages, then the demo element's
  // source-install script exits 1 (which of its commands fails is not yet known)
  todo: 'the demo install.d step fails after DIB elements ran',
  timeout: 60 * 60_000,
}, () => {
  const out = mkdtempSync(join(tmpdir(), 'kiln-e2e-dib-tree-'));
  after(() => rmSync(out, { recursive: true, force: true }));
  sh(
    `git init -q -b master ${out}/demo && echo from-git > ${out}/demo/version && git -C ${out}/demo add version && git -C ${out}/demo -c user.name=t -c user.email=t@e commit -qm one`,
  );
  // DIB's hooks call sudo; as root it only runs the command (the host may have no sudo)
  const shim = join(out, 'shim');
  mkdirSync(shim);
  // (sudo's options such as -E dropped; VAR=value words go through env, as sudo takes them)
  writeFileSync(join(shim, 'sudo'), '#!/bin/sh\nwhile :; do case $1 in -u | -g) shift 2 ;; -*) shift ;; *) break ;; esac; done\nexec env "$@"\n', {
    mode: 0o755,
  });
  const sha = sh(`git -C ${out}/demo rev-parse HEAD`);
  const elements = makeElementTree({
    demo: {
      files: {
        'source-repository-demo': `demo git /opt/demo ${out}/demo master\n`,
        'svc-map': 'demo-svc:\n  default: demo-default\n  debian: demo-debian\n',
        'package-installs.yaml': 'jq:\n',
        'install.d/demo-source-install/70-demo':
          '#!/bin/bash\nset -eu\ncat /opt/demo/version > /root/demo-source\nsvc-map demo-svc > /root/demo-svc\nreadlink /usr/local/bin/dib-python > /root/demo-python\n',
        'install.d/demo-package-install/70-demo': '#!/bin/bash\necho package > /root/demo-source\n',
      },
    },
  });
  after(() => removeTree(elements));
  const r = runCli(
    'disk-image-create',
    ['-t', 'tar,qcow2', '-o', join(out, 'img'), 'debian-minimal', 'vm', 'source-repositories', 'svc-map', 'dib-python', 'demo'],
    {
      // DIB 3.13 needs these for bookworm too: its dib-python picks Python 2 for Debian, which bookworm
      // lacks, and its debian-minimal knows the "-security" suite and archive path only for bullseye
      env: {
        PATH: `${shim}:${process.env.PATH}`,
        ELEMENTS_PATH: `${DIB_ELEMENTS}:${elements}`,
        TMP_DIR: out,
        DIB_RELEASE: 'bookworm',
        DIB_PYTHON_VERSION: '3',
        DIB_DEBIAN_SECURITY_SUBPATH: '-security',
        DIB_DEBIAN_SECURITY_MIRROR: hostSecurityMirror(),
        DIB_GRUB_TIMEOUT: '0',
        // DIB's hooks import DIB's Python modules: the interpreter that has them (DIB's own entry point
        // exports its interpreter; a python3 earlier on PATH, such as a pyenv shim, lacks them)
        DIB_PYTHON_EXEC: '/usr/bin/python3',
      },
      timeoutMs: 50 * 60_000,
    },
  );
  assert.equal(r.status, 0, `${r.stdout.slice(-3000)}\n${r.stderr.slice(-3000)}`);
  assert.match(r.stdout + r.stderr, /Element bootloader: Kiln's .* runs in place of .*diskimage_builder\/elements\/bootloader/);
  const tar = join(out, 'img.tar');
  const file = (p: string) => spawnSync('tar', ['-xOf', tar, p], { encoding: 'utf8' }).stdout;
  assert.equal(file('./root/demo-source'), 'from-git\n', 'the source install type ran, with the git checkout in place');
  assert.equal(file('./root/demo-svc'), 'demo-debian\n');
  assert.match(file('./root/demo-python'), /python3/);
  assert.match(file(`./etc/dib-manifests/dib-manifest-git-img`), new RegExp(`^demo git /opt/demo ${out}/demo ${sha}$`, 'm'));
  assert.match(file('./var/lib/dpkg/status'), /^Package: jq\nStatus: install ok installed$/m);
  const boot = spawnSync(process.execPath, [join(REPO, 'bin/kiln'), 'boot-test', join(out, 'img.qcow2'), '--timeout', '900'], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  assert.equal(boot.status, 0, (boot.stdout + boot.stderr).slice(-4000));
  assert.match(boot.stdout, /boot-test: OK/);
});
