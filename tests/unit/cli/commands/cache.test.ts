import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cacheDirFrom, formatEntry } from '../../../../src/cli/commands/cache.js';

test('cache dir: --image-cache, then DIB_IMAGE_CACHE, then $XDG_CACHE_HOME/kiln, then ~/.cache/kiln', () => {
  assert.equal(cacheDirFrom('/flag', { DIB_IMAGE_CACHE: '/dib', XDG_CACHE_HOME: '/xdg', HOME: '/h' }), '/flag');
  assert.equal(cacheDirFrom(undefined, { DIB_IMAGE_CACHE: '/dib', XDG_CACHE_HOME: '/xdg', HOME: '/h' }), '/dib');
  assert.equal(cacheDirFrom(undefined, { XDG_CACHE_HOME: '/xdg', HOME: '/h' }), '/xdg/kiln');
  assert.equal(cacheDirFrom(undefined, { HOME: '/h' }), '/h/.cache/kiln');
});

const NOW = Date.parse('2026-11-23T15:00:00.000Z');

test('formatEntry: kind, short key, date, age, size in MiB, what was bootstrapped', () => {
  const line = formatEntry(
    {
      key: 'abcdef0123456789'.repeat(4),
      kind: 'bootstrap',
      created: '2026-11-23T12:00:00.000Z',
      size: 197 * 1048576,
      inputs: { distro: 'debian', release: 'bookworm', arch: 'amd64', mirror: null },
      file: '/c/x.tar.zst',
    },
    NOW,
  );
  assert.equal(line, 'bootstrap  abcdef012345  2026-11-23 12:00:00   3.0 h    197 MiB  debian bookworm amd64');
});

test('formatEntry: a layer names its cut, its parent bootstrap and the elements that built it', () => {
  const line = formatEntry(
    {
      key: 'fedcba9876543210'.repeat(4),
      kind: 'layer',
      created: '2026-11-23T14:59:00.000Z',
      size: 301 * 1048576,
      inputs: { cut: 'post-install.d' },
      parent: 'abcdef0123456789'.repeat(4),
      builtBy: 'debian-minimal vm',
      file: '/c/layers/x.tar.zst',
    },
    NOW,
  );
  assert.equal(line, 'layer      fedcba987654  2026-11-23 14:59:00    60 s    301 MiB  after post-install.d, parent abcdef012345, elements: debian-minimal vm');
});
