// What DIB's own elements rely on in their hooks' environment, checked through a whole offline
// busybox build: DIB_ARGS is the whole command line, the workspace has DIB's shapes
// (TMP_BUILD_DIR/mnt with TMP_BUILD_DIR = .../dib_build.XXXXXXXX, TMP_IMAGE_DIR .../dib_image.XXXXXXXX),
// and $_LIB holds DIB's shell libraries.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { FIXTURE_ELEMENTS, runCli } from '../../helpers/cli.js';
import { makeElementTree, removeTree } from '../../helpers/element-tree.js';

function tarFile(tar: string, path: string): string {
  const r = spawnSync('tar', ['-xOf', tar, path], { encoding: 'utf8' });
  assert.equal(r.status, 0, `tar -xOf ${path}: ${r.stderr}`);
  return r.stdout;
}

describe("DIB's hook contract in a busybox build", () => {
  const out = mkdtempSync(join(tmpdir(), 'kiln-dib-contract-'));
  chmodSync(out, 0o777);
  after(() => rmSync(out, { recursive: true, force: true }));
  const elements = makeElementTree({
    'show-args': {
      deps: ['busybox-minimal'],
      files: {
        'extra-data.d/50-show-args':
          '#!/bin/bash\nset -eu\nmkdir -p "$TMP_MOUNT_PATH/kiln-test"\nprintf "%s" "$DIB_ARGS" > "$TMP_MOUNT_PATH/kiln-test/dib-args"\n',
      },
    },
  });
  after(() => removeTree(elements));
  const env = { ELEMENTS_PATH: `${elements}:${FIXTURE_ELEMENTS}`, TMP_DIR: out };

  it('DIB_ARGS is the whole command line, flags and empty arguments too', () => {
    const args = ['-x', '-t', 'tar', '-o', join(out, 'args'), '--image-size=1', 'show-args  ', ''];
    const r = runCli('disk-image-create', args, { env });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(tarFile(join(out, 'args.tar'), './kiln-test/dib-args'), args.join(' '));
    assert.deepEqual(
      readdirSync(out).filter((f) => f.startsWith('kiln-')),
      [],
      'workspace removed after success',
    );
  });
});
