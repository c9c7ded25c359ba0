// kiln verify-reproducible builds twice and compares: a busybox disk build is reproducible; an
// element that writes noise into the tree is caught, and the file is named.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { runCli } from '../../helpers/cli.js';
import { makeElementTree } from '../../helpers/element-tree.js';

const work = mkdtempSync(join(tmpdir(), 'kiln-verify-test-'));
after(() => rmSync(work, { recursive: true, force: true }));

describe('kiln verify-reproducible', () => {
  it('busybox-minimal block-device-efi -t raw,tar: every output the same, exit 0', () => {
    const r = runCli('kiln', ['verify-reproducible', '-n', 'busybox-minimal', 'block-device-efi', '-t', 'raw,tar', '-o', 'bb'], {
      env: { DIB_IMAGE_CACHE: join(work, 'cache') },
    });
    assert.equal(r.status, 0, r.stderr + r.stdout);
    assert.match(r.stdout, /^same {5}bb\.raw {2}sha256:[0-9a-f]{16}$/m);
    assert.match(r.stdout, /^same {5}bb\.tar /m);
    assert.match(r.stdout, /^same {5}bb\.d\/sbom\.spdx\.json /m, 'the SBOM is reproducible');
    assert.match(r.stdout, /^same {5}bb\.d\/pin\.json /m, 'the build record is reproducible');
    assert.match(r.stdout, /^skipped {2}bb\.d\/report\.html: records the build's run/m, 'the report records times: not compared');
    assert.match(r.stdout, /^reproducible: all 4 files are the same$/m);
    assert.doesNotMatch(r.stdout, /^wrote /m, "the builds' own lines go to stderr");
    // both builds run every phase: the second copies nothing the first stored
    assert.doesNotMatch(r.stderr, /layer cache: (stored|the tree after)/);
  });

  it('--warm: the second build starts from the layer the first stored, and the outputs agree', () => {
    const r = runCli('kiln', ['verify-reproducible', '--warm', '-n', 'busybox-minimal', '-t', 'tar', '-o', 'bb'], {
      env: { DIB_IMAGE_CACHE: join(work, 'warm-cache'), KILN_NO_LAYER_CACHE: '1' },
    });
    assert.equal(r.status, 0, r.stderr + r.stdout);
    assert.match(
      r.stderr,
      /layer cache: stored the tree after post-install\.d as layer ([0-9a-f]{12})[\s\S]*layer cache: the tree after post-install\.d from layer \1/,
    );
    assert.match(r.stdout, /^reproducible: all \d+ files are the same$/m);
  });

  it('--cold with --warm: a usage error before any build, exit 2', () => {
    const r = runCli('kiln', ['verify-reproducible', '--cold', '--warm', '-n', 'busybox-minimal', '-o', 'bb']);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /--cold and --warm cannot be given together/);
    assert.doesNotMatch(r.stderr, /first build/);
  });

  it('an element writing noise: the outputs differ, the file is named in the disk image, exit 1', () => {
    const elements = makeElementTree(
      { noise: { deps: ['busybox-minimal'], files: { 'root.d/90-noise': '#!/bin/bash\nset -eu\ndate +%N > "$TARGET_ROOT/etc/noise"\n' } } },
      join(work, 'elements'),
    );
    const r = runCli('kiln', ['verify-reproducible', '-n', 'noise', 'block-device-efi', '-t', 'raw,tar', '-o', 'bb'], {
      env: { DIB_IMAGE_CACHE: join(work, 'cache'), ELEMENTS_PATH: elements },
    });
    assert.equal(r.status, 1, r.stderr + r.stdout);
    assert.match(r.stdout, /^DIFFERS {2}bb\.raw /m);
    assert.match(r.stdout, /^ +partition 3 \(root\), ext4 .*\n +\/etc\/noise: content sha256:/m);
    assert.match(r.stdout, /^not reproducible: 2 of 4 files differ$/m);
  });

  it('no elements: a one-line error before any build, exit 1', () => {
    const r = runCli('kiln', ['verify-reproducible', '-o', 'bb']);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /name the elements to build/);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
    assert.doesNotMatch(r.stderr, /first build/);
  });
});
