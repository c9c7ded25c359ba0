import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseCacheUrl, remoteCache } from '../../../src/cache/remote.js';
import { KilnError } from '../../../src/errors.js';

test('KILN_CACHE_URL: https by default, plain http for loopback hosts or with oci+http://', () => {
  assert.deepEqual(parseCacheUrl('oci://registry.example:5000/kiln/cache'), {
    url: 'oci://registry.example:5000/kiln/cache',
    scheme: 'https',
    host: 'registry.example:5000',
    repo: 'kiln/cache',
  });
  assert.equal(parseCacheUrl('oci://127.0.0.1:5001/kiln').scheme, 'http');
  assert.equal(parseCacheUrl('oci://localhost/kiln').scheme, 'http');
  assert.equal(parseCacheUrl('oci://[::1]:5001/kiln').scheme, 'http');
  assert.equal(parseCacheUrl('oci+http://cache.lan:5000/kiln/cache/').scheme, 'http');
  assert.equal(parseCacheUrl('oci+https://127.0.0.1:5001/kiln').scheme, 'https');
  assert.equal(parseCacheUrl('oci://cache.lan/a/b/c').repo, 'a/b/c');
  assert.equal(remoteCache(undefined), undefined);
  assert.equal(remoteCache(''), undefined);
});

test('KILN_CACHE_URL: anything else is a user error naming the variable', () => {
  for (const bad of ['http://cache.lan/kiln', 'oci://cache.lan', 'oci://cache.lan/Kiln', 'oci:///kiln', '/var/cache/kiln', 'oci://cache.lan/kiln cache']) {
    assert.throws(
      () => parseCacheUrl(bad),
      (e: unknown) =>
        e instanceof KilnError && e.where === 'KILN_CACHE_URL' && e.message.includes(`'${bad}'`) && /oci:\/\/HOST\[:PORT\]\/REPO/.test(e.hint ?? ''),
      bad,
    );
  }
});
