/**
 * End to end, issue 15: `debian-minimal vm` built twice with one SOURCE_DATE_EPOCH, the first with a
 * cold bootstrap (an empty cache: mmdebstrap) and the second warm (from the cache it filled), gives
 * the same sha256 for every output format and the manifests. kiln verify-reproducible does the
 * two builds and the comparison. The first build also stores the layer (the tree after
 * post-install.d) and the initramfs; the second starts from that layer and copies that initramfs,
 * so this also shows that a build from the layer and initramfs caches writes the bytes of one without.
 * Then `--pin` rebuilds from the first build's record (NAME.d/pin.json: its epoch; apt installs every
 * recorded version; no layer) and writes the first build's images and record.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { BIN, isRoot } from '../helpers/cli.js';

const sha256 = (f: string) => createHash('sha256').update(readFileSync(f)).digest('hex');

// the build's arguments: verify-reproducible's two builds and the --pin rebuild
const ARGS = ['debian-minimal', 'vm', '-t', 'raw,qcow2,vhd,vhdx,vmdk,tar,tgz,docker,oci,squash', '--docker-target', 'kiln/debian:repro', '-o', 'deb'];

const skip = !isRoot() && process.env.CI !== 'true' ? 'needs root (or CI)' : false;

test('debian-minimal vm, cold then warm, with SOURCE_DATE_EPOCH, then --pin: every output the same bytes', { skip, timeout: 40 * 60_000 }, () => {
  const work = mkdtempSync(join(tmpdir(), 'kiln-e2e-repro-'));
  try {
    const r = spawnSync(join(BIN, 'kiln'), ['verify-reproducible', '--warm', '--keep', ...ARGS], {
      encoding: 'utf8',
      // --warm: the second build from the first one's layer and initramfs
      env: {
        ...process.env,
        SOURCE_DATE_EPOCH: '1700000000',
        DIB_IMAGE_CACHE: join(work, 'cache'),
        TMPDIR: work,
        TMP_DIR: work,
      },
      maxBuffer: 64 << 20,
    });
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr.slice(-4000)}`);
    const log = r.stderr;
    // the first build bootstraps (empty cache); the second starts from the layer built on it
    assert.match(log, /bootstrap: debian \S+ amd64 with mmdebstrap/);
    // the first build stores the layer and the initramfs; the second uses both
    assert.match(log, /layer cache: stored the tree after post-install\.d as layer [0-9a-f]{12}/);
    assert.match(log, /initramfs cache: stored the initramfs of \S+ \([0-9a-f]{12}/);
    assert.match(log, /layer cache: the tree after post-install\.d from layer [0-9a-f]{12} .*skipped: bootstrap root\.d/);
    assert.match(log, /mkinitramfs: \S+ from Kiln's initramfs cache/);
    for (const f of ['deb.raw', 'deb.qcow2', 'deb.vhd', 'deb.vhdx', 'deb.vmdk', 'deb.tar', 'deb.tgz', 'deb.docker.tar', 'deb.oci.tar', 'deb.squash']) {
      assert.match(r.stdout, new RegExp(`^same {5}${f.replaceAll('.', '\\.')} `, 'm'), f);
    }
    // the SBOM (every package of the image) is the same; the report records the run and is not compared
    assert.match(r.stdout, /^same {5}deb\.d\/sbom\.spdx\.json /m);
    assert.match(r.stdout, /^skipped {2}deb\.d\/report\.html: /m);
    assert.match(r.stdout, /^reproducible: all \d+ files are the same$/m);

    // --pin (as KILN_PIN, so that the command line the manifests record is the first build's):
    // without SOURCE_DATE_EPOCH, whose value the record gives back; every phase (no layer); the
    // first build's bytes and record
    const kept = /^the builds are kept in (\S+)$/m.exec(r.stdout)?.[1];
    assert.ok(kept, r.stdout);
    mkdirSync(join(work, 'pinned'));
    const { SOURCE_DATE_EPOCH: _, ...env } = process.env;
    const p = spawnSync(join(BIN, 'disk-image-create'), ARGS, {
      cwd: join(work, 'pinned'),
      encoding: 'utf8',
      env: { ...env, KILN_PIN: join(kept, 'first/deb.d/pin.json'), DIB_IMAGE_CACHE: join(work, 'cache'), TMPDIR: work, TMP_DIR: work },
      maxBuffer: 64 << 20,
    });
    assert.equal(p.status, 0, p.stderr.slice(-4000));
    assert.match(p.stderr, /--pin: SOURCE_DATE_EPOCH=1700000000, as the recorded build had it/);
    assert.match(p.stderr, /pin: apt installs the \d+ recorded version\(s\)/);
    assert.match(p.stderr, /pin: every package is at its recorded version \(\d+\)/);
    assert.match(p.stderr, /layer cache: not used: --pin rebuilds from its record/);
    for (const f of ['deb.raw', 'deb.qcow2'])
      assert.equal(sha256(join(work, 'pinned', f)), sha256(join(kept, 'first', f)), `${f}: the pinned rebuild's is the first build's`);
    // the record is the one it was made from, but for the host tools: the rebuild used dpkg-deb too (the pin's local repository)
    const record = (dir: string) => JSON.parse(readFileSync(join(dir, 'deb.d/pin.json'), 'utf8'));
    const { tools: pinnedTools, ...pinned } = record(join(work, 'pinned'));
    const { tools: firstTools, ...first } = record(join(kept, 'first'));
    assert.deepEqual(pinned, first, "the pinned rebuild's record is the one it was made from");
    for (const t of firstTools)
      assert.ok(
        pinnedTools.some((u: { tool: string }) => u.tool === t.tool),
        `${t.tool} in the rebuild's tools`,
      );
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});
