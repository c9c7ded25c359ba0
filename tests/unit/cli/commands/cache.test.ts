import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cacheDirFrom, formatEntry } from '../../../../src/cli/commands/cache.js';

test('cache dir: --image-cache, then DIB_IMAGE_CACHE, then $XDG_CACHE_HOME/kiln, then ~/.cache/kiln', () => {
  assert.equal(cacheDirFrom('/flag', { DIB_IMAGE_CACHE: '/dib', XDG_CACHE_HOME: '/xdg', HOME: '/h' }), '/flag');
  assert.equal(cacheDirFrom(undefined, { DIB_IMAGE_CACHE: '/dib', XDG_CACHE_HOME: '/xdg', HOME: '/h' }), '/dib');
  assert.equal(cacheDirFrom(undefined, { XDG_CACHE_HOME: '/xdg', HOME: '/h' }), '/xdg/kiln');
  assert.equal(cacheDirFrom(undefined, { HOME: '/h' }), '/h/.cache/kiln');
});

test('formatEntry: short key, date, size in MiB, what was bootstrapped', () => {
  const line = formatEntry({
    key: 'abcdef0123456789'.repeat(4),
    kind: 'bootstrap',
    created: '2026-11-23T12:00:00.000Z',
    size: 197 * 1048576,
    inputs: { distro: 'debian', release: 'bookworm', arch: 'amd64', mirror: null },
    file: '/c/x.tar.zst',
  });
  assert.equal(line, 'abcdef012345  2026-11-23 12:00:00    197 MiB  debian bookworm amd64');
});
