import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cacheKey, canonicalJson } from '../../../src/cache/key.js';

const base = { distro: 'debian', release: 'bookworm', arch: 'amd64', mirror: null, components: ['main'], packages: ['a', 'b'], driver: 'debian-1' };

test('canonicalJson sorts object keys at every level and keeps array order', () => {
  assert.equal(canonicalJson({ b: 1, a: { d: [2, 1], c: null } }), '{"a":{"c":null,"d":[2,1]},"b":1}');
});

test('cacheKey is a sha256 hex independent of key order', () => {
  const k = cacheKey(base);
  assert.match(k, /^[0-9a-f]{64}$/);
  const reordered = { packages: ['a', 'b'], driver: 'debian-1', components: ['main'], mirror: null, arch: 'amd64', release: 'bookworm', distro: 'debian' };
  assert.equal(cacheKey(reordered), k);
});

test('cacheKey changes with every input', () => {
  const k = cacheKey(base);
  const variants = [
    { ...base, distro: 'ubuntu' },
    { ...base, release: 'trixie' },
    { ...base, arch: 'arm64' },
    { ...base, mirror: 'http://mirror.example/debian' },
    { ...base, components: ['main', 'contrib'] },
    { ...base, packages: ['a', 'b', 'c'] },
    { ...base, driver: 'debian-2' },
  ];
  const keys = new Set(variants.map(cacheKey));
  assert.equal(keys.size, variants.length);
  assert.ok(!keys.has(k));
});

test('cacheKey is stable across releases of Kiln (golden)', () => {
  assert.equal(cacheKey({ a: 1 }), '015abd7f5cc57a2dd94b7590f04ad8084273905ee33ec5cebeae62276a97f862');
});
