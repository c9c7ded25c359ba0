import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { cacheKey } from '../../../src/cache/key.js';
import { layerInputs, readCacheRule, uncacheableReason, unpinnedRepository, type LayerKeyInputs } from '../../../src/build/layer-key.js';

const root = mkdtempSync(join(tmpdir(), 'kiln-layer-key-'));
after(() => rmSync(root, { recursive: true, force: true }));

function element(name: string, files: Record<string, string>): { name: string; path: string } {
  const path = join(root, name);
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(join(path, rel, '..'), { recursive: true });
    writeFileSync(join(path, rel), text);
  }
  return { name, path };
}

const el = element('probe', {
  'install.d/10-a': '#!/bin/sh\necho a\n',
  'finalise.d/10-f': '#!/bin/sh\necho f\n',
  'package-installs.yaml': 'vim:\n',
  'README.rst': 'docs\n',
});
const base = (over: Partial<LayerKeyInputs> = {}): LayerKeyInputs => ({
  config: { arch: 'amd64', packages: [], sourceDateEpoch: 1700000000 },
  elements: [el],
  env: { DIB_RELEASE: 'bookworm', TMP_MOUNT_PATH: '/w1/mnt', SOURCE_DATE_EPOCH: '1700000000', PATH: '/usr/bin' },
  identity: { privileged: true },
  hostApt: [],
  ...over,
});
const key = (k: LayerKeyInputs) => cacheKey(layerInputs(k));

describe('layer key', () => {
  const k0 = key(base());

  it('ignores workspace paths, the terminal and the hooks’ SOURCE_DATE_EPOCH; keys the user’s epoch', () => {
    assert.equal(key(base({ env: { ...base().env, TMP_MOUNT_PATH: '/w2/mnt', PWD: '/x', SOURCE_DATE_EPOCH: '1800000000' } })), k0);
    assert.notEqual(key(base({ config: { ...base().config, sourceDateEpoch: 1800000000 } })), k0);
    assert.notEqual(key(base({ config: { arch: 'amd64', packages: [] } })), k0, 'no epoch of the user is another key');
  });

  it('keys every other variable, the arch, -p packages, the owners mode and the host apt settings', () => {
    assert.notEqual(key(base({ env: { ...base().env, DIB_RELEASE: 'trixie' } })), k0);
    assert.notEqual(key(base({ env: { ...base().env, FOO: '1' } })), k0);
    assert.notEqual(key(base({ config: { ...base().config, arch: 'arm64' } })), k0);
    assert.notEqual(key(base({ config: { ...base().config, packages: ['vim'] } })), k0);
    assert.notEqual(key(base({ identity: { privileged: false } })), k0);
    assert.notEqual(key(base({ hostApt: ['Acquire::http::Proxy "http://p:3128";'] })), k0);
  });

  it('keys element files before the cut, not finalise.d or the README', () => {
    writeFileSync(join(el.path, 'finalise.d/10-f'), '#!/bin/sh\necho f2\n');
    writeFileSync(join(el.path, 'README.rst'), 'more docs\n');
    assert.equal(key(base()), k0);
    writeFileSync(join(el.path, 'package-installs.yaml'), 'vim:\nemacs:\n');
    assert.notEqual(key(base()), k0);
    writeFileSync(join(el.path, 'package-installs.yaml'), 'vim:\n');
    assert.equal(key(base()), k0);
    writeFileSync(join(el.path, 'install.d/10-a'), '#!/bin/sh\necho b\n');
    assert.notEqual(key(base()), k0);
    writeFileSync(join(el.path, 'install.d/10-a'), '#!/bin/sh\necho a\n');
  });

  it('keys host files an element names with host-file (${VAR} from the environment)', () => {
    const f = join(root, 'busybox');
    writeFileSync(f, 'one');
    const e = element('hostfile', { 'kiln-cache': `# comment\nhost-file \${PROBE_FILE:-/nonexistent}\n` });
    const env = { ...base().env, PROBE_FILE: f };
    assert.deepEqual(readCacheRule(e, env).hostFiles, [f]);
    assert.deepEqual(readCacheRule(e, {}).hostFiles, ['/nonexistent']);
    const k1 = key(base({ elements: [el, e], env }));
    writeFileSync(f, 'two');
    assert.notEqual(key(base({ elements: [el, e], env })), k1);
  });
});

describe('what keeps a build out of the layer cache', () => {
  const cfg = { useCache: true, useLayerCache: true, installType: 'source' as const };
  const none = new Set<string>();

  it('--no-cache, KILN_NO_LAYER_CACHE, a break', () => {
    assert.equal(uncacheableReason({ config: cfg, elements: [el], env: {}, breaks: none }), undefined);
    assert.equal(uncacheableReason({ config: { ...cfg, useCache: false, useLayerCache: false }, elements: [el], env: {}, breaks: none }), '--no-cache');
    assert.match(uncacheableReason({ config: { ...cfg, useLayerCache: false }, elements: [el], env: {}, breaks: none })!, /KILN_NO_LAYER_CACHE/);
    assert.match(uncacheableReason({ config: cfg, elements: [el], env: {}, breaks: new Set(['after-install']) })!, /a break is set/);
  });

  it("kiln-cache: never, an unknown line; a hook before the cut that calls cache-url unless 'always'", () => {
    const never = element('never', { 'kiln-cache': 'never it reads the clock\n' });
    assert.equal(uncacheableReason({ config: cfg, elements: [never], env: {}, breaks: none }), 'element never: it reads the clock');
    const odd = element('odd', { 'kiln-cache': 'sometimes\n' });
    assert.match(uncacheableReason({ config: cfg, elements: [odd], env: {}, breaks: none })!, /a line Kiln does not know: 'sometimes'/);
    const fetch = element('fetch', { 'extra-data.d/10-get': '#!/bin/bash\n$TMP_HOOKS_PATH/bin/cache-url https://x/y /tmp/y\n' });
    assert.match(uncacheableReason({ config: cfg, elements: [fetch], env: {}, breaks: none })!, /element fetch: extra-data\.d\/10-get calls cache-url/);
    const late = element('late', { 'finalise.d/10-get': 'cache-url https://x/y /tmp/y\n' });
    assert.equal(uncacheableReason({ config: cfg, elements: [late], env: {}, breaks: none }), undefined, 'after the cut it does not matter');
    writeFileSync(join(fetch.path, 'kiln-cache'), 'always\n');
    assert.equal(uncacheableReason({ config: cfg, elements: [fetch], env: {}, breaks: none }), undefined);
  });

  it('source-repositories: a git commit, a package or a non-source install type is pinned; a branch is not', () => {
    const sha = 'a'.repeat(40);
    const repos = element('repos', {
      'source-repository-pinned': `pinned git /opt/p https://git.example/p ${sha}\n`,
      'source-repository-pkg': '# c\npkg package /opt/k https://git.example/k\n',
    });
    assert.equal(unpinnedRepository([repos], {}, 'source'), undefined);
    assert.match(unpinnedRepository([repos], { DIB_REPOREF_pinned: 'main' }, 'source')!, /^pinned \(git https:\/\/git\.example\/p main\)/);
    writeFileSync(join(repos.path, 'source-repository-branch'), 'my-repo git /opt/b https://git.example/b\n');
    assert.match(unpinnedRepository([repos], {}, 'source')!, /^my-repo \(git https:\/\/git\.example\/b master\)/);
    assert.equal(unpinnedRepository([repos], { DIB_INSTALLTYPE_my_repo: 'package' }, 'source'), undefined);
    assert.equal(unpinnedRepository([repos], { DIB_REPOREF_my_repo: sha }, 'source'), undefined);
    assert.equal(unpinnedRepository([repos], {}, 'package'), undefined);
    assert.equal(unpinnedRepository([repos], { NO_SOURCE_REPOSITORIES: '1' }, 'source'), undefined);
    const sr = { name: 'source-repositories', path: join(root, 'none') };
    assert.match(uncacheableReason({ config: cfg, elements: [sr, repos], env: {}, breaks: none })!, /source-repositories: my-repo .* is not pinned/);
  });
});
