// An unknown element name gets the closest known names, from `kiln elements NAME` and from a build.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runCli } from '../../helpers/cli.js';

describe('did you mean', () => {
  it('kiln elements suggests the closest element name', () => {
    const r = runCli('kiln', ['elements', 'debian-minmal']);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /Element 'debian-minmal' not found; did you mean debian-minimal\?/);
  });
  it('the build refuses an unknown element with the suggestion, before anything runs', () => {
    const r = runCli('disk-image-create', ['busybox-minmal', '-t', 'tar', '-o', '/nonexistent/x']);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /Element 'busybox-minmal' not found; did you mean busybox-minimal\?/);
  });
});
