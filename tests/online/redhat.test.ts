/**
 * Online tier (KILN_E2E_ONLINE=1, off by default): the Red Hat family from real mirrors, and DIB's
 * container-based elements from a real registry, each built as `vm` and booted to a login prompt,
 * so a user with internet can prove the dnf and container drivers (the CI tiers use fixture
 * repositories and a loopback registry). Kiln names no mirror or registry host: each distro runs
 * when its mirror is given, the container elements when KILN_E2E_CONTAINERS=1 (the images'
 * unqualified names are resolved by the host's containers registries configuration). Run with
 *   KILN_E2E_ONLINE=1 KILN_E2E_ROCKY_MIRROR=http://<mirror>/rocky node --test dist/tests/online/redhat.test.js
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isRoot, runCli } from '../helpers/cli.js';

const online = process.env.KILN_E2E_ONLINE === '1';
const rootOk = isRoot() || process.env.CI === 'true';

/** element, its mirror variable (the DIB_DISTRIBUTION_MIRROR of the build), release */
const DISTROS: { element: string; mirrorVar?: string; release: string }[] = [
  { element: 'centos-minimal', mirrorVar: 'KILN_E2E_CENTOS_MIRROR', release: '9-stream' },
  { element: 'rocky-minimal', mirrorVar: 'KILN_E2E_ROCKY_MIRROR', release: '9' },
  { element: 'almalinux-minimal', mirrorVar: 'KILN_E2E_ALMALINUX_MIRROR', release: '9' },
  { element: 'fedora-minimal', mirrorVar: 'KILN_E2E_FEDORA_MIRROR', release: '43' },
  { element: 'rocky-container', release: '9' },
  { element: 'almalinux-container', release: '9' },
  { element: 'fedora-container', release: '43' },
];

for (const d of DISTROS) {
  const mirror = d.mirrorVar ? (process.env[d.mirrorVar] ?? '') : '';
  const skip = !online
    ? 'online tier: set KILN_E2E_ONLINE=1'
    : d.mirrorVar && !mirror
      ? `set ${d.mirrorVar}`
      : !d.mirrorVar && process.env.KILN_E2E_CONTAINERS !== '1'
        ? 'set KILN_E2E_CONTAINERS=1 (pulls from the registries the host is configured with)'
        : !rootOk
          ? 'needs root (or CI)'
          : false;
  test(`online: ${d.element} ${d.release} vm builds and boots`, { skip, timeout: 60 * 60_000 }, () => {
    const work = mkdtempSync(join(tmpdir(), `kiln-online-${d.element}-`));
    try {
      const out = join(work, 'img');
      const r = runCli('disk-image-create', ['-o', out, '-t', 'qcow2', d.element, 'vm'], {
        env: { DIB_RELEASE: d.release, ...(mirror ? { DIB_DISTRIBUTION_MIRROR: mirror } : {}) },
        timeoutMs: 50 * 60_000,
      });
      assert.equal(r.status, 0, r.stderr.slice(-4000));
      const b = runCli('kiln', ['boot-test', `${out}.qcow2`, '--timeout', '900', '--check', 'systemctl is-system-running --wait'], {
        timeoutMs: 30 * 60_000,
      });
      assert.equal(b.status, 0, (b.stdout + b.stderr).slice(-4000));
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
}
