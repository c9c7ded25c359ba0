/**
 * Image parity with DIB: the package set of `debian-minimal vm` (bookworm, amd64, BIOS, default
 * settings) as DIB's element files define it (the DIB oracle's resolver, package-installs-squash,
 * pkg-map and the scripts that install packages themselves) against what Kiln's element files ask
 * for. Both request lists are resolved by the host's apt (--simulate, from minbase, no download):
 * DIB's root.d with Recommends, the rest without, as each tool runs apt. Every difference must be
 * one of the intentional ones, each named in docs/dib-migration.md, and DIB_KILN_BASELINE_TOOLS=1
 * must close the one it is for. The e2e build of tests/e2e/debian.test.ts checks its real dpkg
 * manifest against the same DIB set.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { aptSimulate, hostCodename } from '../../helpers/apt-sim.js';
import { REPO } from '../../helpers/cli.js';
import { dibOracleSkip } from '../../helpers/dib-oracle.js';
import { findTool } from '../../helpers/host-tools.js';
import { dibDebianMinimalVmSet, KILN_ONLY, DIB_ONLY_GRUB_PC } from '../../helpers/dib-parity.js';
import { kilnDebianMinimalVmRequests } from '../../helpers/kiln-package-requests.js';

const RELEASE = 'bookworm';
const codename = findTool('apt-get') ? hostCodename() : '';
const skip =
  dibOracleSkip() || (process.env.CI !== 'true' && codename !== RELEASE ? `the host's apt lists are not Debian ${RELEASE}'s (${codename || 'no apt'})` : false);

const kilnSets = new Map<string, Set<string>>();
const kilnSet = (env: Record<string, string> = {}) => {
  const key = JSON.stringify(env);
  let set = kilnSets.get(key);
  if (!set) {
    const req = kilnDebianMinimalVmRequests(RELEASE, env);
    set = aptSimulate([{ packages: req.flatMap((r) => r.packages), recommends: false }]);
    kilnSets.set(key, set);
  }
  return set;
};
const minus = (a: Set<string>, b: Set<string>) => [...a].filter((p) => !b.has(p)).sort();

describe("debian-minimal vm: Kiln's package set against DIB's element definitions", { skip, timeout: 10 * 60_000 }, () => {
  const docs = readFileSync(join(REPO, 'docs/dib-migration.md'), 'utf8');
  let dib: Set<string> | undefined;
  const dibSet = () => {
    dib ??= dibDebianMinimalVmSet(RELEASE);
    return dib;
  };

  it("DIB's set is read from its files: root.d's packages with their Recommends, base's baseline tools, the kernel, GRUB", () => {
    assert.equal(codename, RELEASE, 'the host (CI: Debian 12) has the release compared');
    const set = dibSet();
    // what the issue found by building DIB's image: its baseline tools and what they pull in
    for (const p of ['systemd-sysv', 'python3', 'sudo', 'linux-image-amd64', 'grub-pc', 'software-properties-common', 'open-iscsi', 'packagekit']) {
      assert.ok(set.has(p), p);
    }
    for (const p of ['dbus', 'systemd-timesyncd', 'libpam-systemd', 'libnss-systemd']) assert.ok(set.has(p), `${p}: a Recommends DIB's root.d lets in`);
  });

  it('with DIB_KILN_BASELINE_TOOLS=1 Kiln installs what DIB does, but for the intentional differences', () => {
    const kiln = kilnSet({ DIB_KILN_BASELINE_TOOLS: '1' });
    assert.deepEqual(minus(dibSet(), kiln), DIB_ONLY_GRUB_PC, 'only in DIB');
    assert.deepEqual(minus(kiln, dibSet()), KILN_ONLY, 'only in Kiln');
  });

  it("by default the difference is exactly DIB's baseline tools, and each difference is in docs/dib-migration.md", () => {
    const kiln = kilnSet();
    const tools = kilnSet({ DIB_KILN_BASELINE_TOOLS: '1' });
    const baseline = minus(tools, kiln);
    assert.ok(baseline.includes('software-properties-common') && baseline.includes('open-iscsi') && baseline.includes('polkitd'), baseline.join(' '));
    assert.deepEqual(minus(dibSet(), kiln), [...DIB_ONLY_GRUB_PC, ...baseline].sort());
    for (const p of [...DIB_ONLY_GRUB_PC, ...KILN_ONLY, 'software-properties-common', 'apt-transport-https', 'open-iscsi']) {
      assert.ok(docs.includes(`\`${p}\``), `${p} is named in docs/dib-migration.md`);
    }
    assert.ok(docs.includes('`DIB_KILN_BASELINE_TOOLS=1`'), 'the option is in docs/dib-migration.md');
  });
});
