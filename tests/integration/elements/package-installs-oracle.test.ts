/**
 * Oracle: DIB 3.13's own package-installs-squash (Python) and pkg-map against ours, on fixture
 * elements covering every key. The squashed JSON must match byte for byte (element scripts read it).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { formatSquashedJson, squashPackageInstalls } from '../../../src/elements/package-installs.js';
import { mapPackages, parsePkgMap } from '../../../src/elements/pkg-map.js';
import { DIB_PY as DIB, dibEnv, PYTHON } from '../../helpers/dib-oracle.js';

const SQUASH = `${DIB}/elements/package-installs/bin/package-installs-squash`;
const PKG_MAP = `${DIB}/elements/pkg-map/bin/pkg-map`;
const FIX = fileURLToPath(new URL('../../../../tests/fixtures/package-installs/', import.meta.url));
const A = join(FIX, 'path-a');
const B = join(FIX, 'path-b');
const ERR = join(FIX, 'errors');

const missing = [PYTHON, SQUASH, PKG_MAP].filter((p) => !existsSync(p));
const skip = missing.length > 0 && process.env.CI !== 'true' ? `DIB not installed (${missing.join(', ')})` : false;
const tmp = mkdtempSync(join(tmpdir(), 'kiln-pi-oracle-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

interface Scenario {
  name: string;
  elements: string[];
  path: string[];
  arch: string;
  env: Record<string, string>;
}

const ALL = [
  'pi-basic',
  'pi-uninstall',
  'pi-arch',
  'pi-installtype',
  'pi-python',
  'pi-when',
  'pi-alternatives',
  'pi-json',
  'pi-both',
  'pi-override',
  'pi-yaml11',
  'pi-unicode',
  'no-packages',
  'only-in-b',
  'not-anywhere',
];
const WHEN_ENV = { DIB_PI_FEATURE: 'on', DIB_PI_OTHER: 'y', DIB_PI_EMPTY: '', DIB_PI_KERNEL: 'linux-image-generic', DIB_RELEASE: 'focal' };

const SCENARIOS: Scenario[] = [
  { name: 'everything, amd64, defaults', elements: ALL, path: [A, B], arch: 'amd64', env: WHEN_ENV },
  {
    name: 'everything, arm64, xenial, package installtype, python 3',
    elements: ALL,
    path: [A, B],
    arch: 'arm64',
    env: { ...WHEN_ENV, DIB_RELEASE: 'xenial', DIB_DEFAULT_INSTALLTYPE: 'package', DIB_PYTHON_VERSION: '3', DIB_PI_FEATURE: 'off' },
  },
  {
    name: 'ppc64 and per-element installtype',
    elements: ALL,
    path: [A, B],
    arch: 'ppc64',
    env: { ...WHEN_ENV, DIB_INSTALLTYPE_pi_installtype: 'package', DIB_INSTALLTYPE_pi_json: 'package', DIB_PYTHON_VERSION: '2' },
  },
  { name: 'reversed element order, path order swapped', elements: [...ALL].reverse(), path: [B, A], arch: ' amd64', env: WHEN_ENV },
  { name: 'only an element without packages', elements: ['no-packages'], path: [A], arch: 'amd64', env: {} },
];

function dibSquash(elements: string[], path: string[], arch: string, env: Record<string, string>): { ok: boolean; json: string; stderr: string } {
  const out = join(tmp, `dib-${Math.random().toString(36).slice(2)}.json`);
  const r = spawnSync(PYTHON, [SQUASH, `--elements=${elements.join(' ')}`, `--path=${path.join(':')}`, out], {
    env: dibEnv({ PATH: process.env.PATH ?? '/usr/bin:/bin', ARCH: arch, ...env }),
    encoding: 'utf8',
  });
  return { ok: r.status === 0, json: r.status === 0 ? readFileSync(out, 'utf8') : '', stderr: `${r.stderr}${r.stdout}` };
}

function ours(elements: string[], path: string[], arch: string, env: Record<string, string>): string {
  // the element's own path is the first one holding it (what the resolver would pass)
  const sources = elements.map((name) => ({ name, path: join(path.find((p) => existsSync(join(p, name))) ?? path[0] ?? '', name) }));
  return formatSquashedJson(squashPackageInstalls(sources, { env, arch, elementsPath: path }));
}

describe('package-installs-squash oracle (DIB 3.13)', { skip }, () => {
  for (const s of SCENARIOS) {
    it(s.name, () => {
      const dib = dibSquash(s.elements, s.path, s.arch, s.env);
      assert.ok(dib.ok, `DIB failed: ${dib.stderr}`);
      const mine = ours(s.elements, s.path, s.arch, s.env);
      assert.equal(mine, dib.json);
      if (s.elements.length > 1) assert.notEqual(mine, '{}', 'scenario must exercise something');
    });
  }

  it('the scenarios produce different results (the comparison is not vacuous)', () => {
    const outs = new Set(SCENARIOS.map((s) => ours(s.elements, s.path, s.arch, s.env)));
    assert.equal(outs.size, SCENARIOS.length);
  });

  for (const bad of ['arch-both', 'when-unset', 'when-malformed', 'top-list']) {
    it(`both refuse errors/${bad}`, () => {
      const dib = dibSquash([bad], [ERR], 'amd64', {});
      assert.equal(dib.ok, false, 'DIB accepted it');
      assert.throws(
        () => ours([bad], [ERR], 'amd64', {}),
        (e: unknown) => (e as Error).name === 'KilnError' && (e as { where?: string }).where?.includes(bad) === true,
      );
    });
  }
});

describe('pkg-map oracle (DIB 3.13 bin/pkg-map)', { skip }, () => {
  const mapFile = join(tmp, 'pkg-map.json');
  const MAP = {
    release: { fedora: { '23': { nova: 'compute-23' } }, centos: { '8': { glance: 'glance-8' } }, debian: { bookworm: { a: 'a-bookworm' } } },
    distro: { fedora: { nova: 'compute', glance: 'image' }, ubuntu: { b: '' } },
    family: { redhat: { nova: 'openstack-nova', glance: 'openstack-glance' }, suse: { nova: '' }, debian: { a: 'a-deb', c: 'c1 c2' } },
    default: { nova: 'nova', glance: 'glance', a: 'a', b: 'b' },
  };
  writeFileSync(mapFile, JSON.stringify(MAP));
  const names = ['nova', 'glance', 'a', 'b', 'c', 'unmapped'];
  const targets = [
    ['fedora', '23'],
    ['fedora', '38'],
    ['centos', '8-stream'],
    ['centos', '9'],
    ['rhel', '9'],
    ['opensuse', '15'],
    ['debian', 'bookworm'],
    ['debian', 'trixie'],
    ['ubuntu', 'jammy'],
    ['gentoo', ''],
    ['alpine', '3'],
  ] as const;
  for (const [distro, release] of targets) {
    for (const missingOk of [true, false]) {
      it(`${distro}/${release || '-'} missingOk=${missingOk}`, () => {
        const args = [
          PKG_MAP,
          '--pkg-map',
          mapFile,
          '--distro',
          distro,
          '--release',
          release,
          '--prefix',
          '-',
          ...(missingOk ? ['--missing-ok'] : []),
          ...names,
        ];
        const r = spawnSync(PYTHON, args, { encoding: 'utf8', env: dibEnv({ PATH: process.env.PATH ?? '' }) });
        const dibOut = r.stdout
          .split('\n')
          .filter((l) => l.startsWith('-'))
          .map((l) => l.slice(1));
        const map = parsePkgMap(JSON.stringify(MAP), mapFile, 'x');
        if (missingOk) {
          assert.equal(r.status, 0, r.stderr);
          assert.deepEqual(mapPackages(map, { distro, release }, names, { missingOk }), dibOut);
        } else {
          assert.equal(r.status, 1, r.stderr);
          assert.throws(() => mapPackages(map, { distro, release }, names, { missingOk }), /no valid mapping for package/);
          // DIB prints the names mapped before the first unmapped one, then exits 1
          const firstBad = names.findIndex((n) => {
            try {
              mapPackages(map, { distro, release }, [n], { missingOk: false });
              return false;
            } catch {
              return true;
            }
          });
          assert.deepEqual(mapPackages(map, { distro, release }, names.slice(0, firstBad), { missingOk: false }), dibOut);
        }
      });
    }
  }
});
