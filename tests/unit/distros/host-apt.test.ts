import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mmdebstrapHostAptArgs, parseHostAptConfig } from '../../../src/distros/host-apt.js';

describe('host apt settings', () => {
  it('keeps proxies and the Release date checks, nothing else', () => {
    const dump =
      'APT "";\nAcquire::Check-Valid-Until "false";\nAcquire::http::Proxy "http://proxy:3128";\nAcquire::Languages "none";\nAcquire::Check-Date "false";\n';
    assert.deepEqual(parseHostAptConfig(dump), [
      'Acquire::Check-Valid-Until "false";',
      'Acquire::http::Proxy "http://proxy:3128";',
      'Acquire::Check-Date "false";',
    ]);
  });
  it('passes them to mmdebstrap and strips them from its tarball', () => {
    const args = mmdebstrapHostAptArgs(['Acquire::Check-Valid-Until "false";']);
    assert.deepEqual(args[0], '--aptopt=Acquire::Check-Valid-Until "false";');
    assert.match(args[1]!, /^--customize-hook=sed -i -E '\/\^\(Acquire::Check-Valid-Until\) \/d' "\$1\/etc\/apt\/apt.conf.d\/99mmdebstrap"$/);
    assert.deepEqual(mmdebstrapHostAptArgs([]), []);
  });
});
