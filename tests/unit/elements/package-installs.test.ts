/**
 * Port of DIB's elements/package-installs/tests/test_package_squash.py plus the quirks of
 * package-installs-squash that the port must keep (dib-compat 3.4).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { KilnError } from '../../../src/errors.js';
import {
  collectPackageInstalls,
  emptySquash,
  formatSquashedJson,
  packagesFor,
  parseLegacyPackageList,
  parsePackageInstalls,
  pyJsonString,
  writeSquashedJson,
  type PackageInstallsContext,
} from '../../../src/elements/package-installs.js';

const base: PackageInstallsContext = { env: {}, arch: 'amd64' };

function squash(text: string, ctx: Partial<PackageInstallsContext> = {}, element = 'test_element') {
  const file = parsePackageInstalls(text, `/e/${element}/package-installs.yaml`, element);
  return collectPackageInstalls(emptySquash(), file, { ...base, ...ctx });
}

/** The model as DIB's dict, entries as [pkg, element] tuples (sorted: the DIB matcher ignores order). */
function plain(text: string, ctx: Partial<PackageInstallsContext> = {}): Record<string, Record<string, string[][]>> {
  const out: Record<string, Record<string, string[][]>> = {};
  for (const [phase, ops] of squash(text, ctx).phases) {
    out[phase] = {};
    for (const [op, list] of ops) out[phase][op] = list.map((e) => [e.pkg, e.element]).sort();
  }
  return out;
}

describe('test_package_squash.py', () => {
  it('test_simple', () => {
    assert.deepEqual(plain(JSON.stringify({ test_package: '' })), { 'install.d': { install: [['test_package', 'test_element']] } });
  });

  it('test_arch', () => {
    const objs = { test_package: '', test_arm64_package: { arch: 'arm64' }, do_not_install: { 'not-arch': 'arm64' } };
    assert.deepEqual(plain(JSON.stringify(objs), { arch: 'arm64' }), {
      'install.d': {
        install: [
          ['test_arm64_package', 'test_element'],
          ['test_package', 'test_element'],
        ],
      },
    });
  });

  const kernel = `
linux-image-generic:
  - not-arch: arm64
    when: DIB_UBUNTU_KERNEL = linux-image-generic
  - arch: arm64
    when:
      - DIB_RELEASE != xenial
      - DIB_UBUNTU_KERNEL = linux-image-generic
linux-generic-hwe-16.04:
  arch: arm64
  when:
    - DIB_RELEASE = xenial
    - DIB_UBUNTU_KERNEL = linux-image-generic
`;
  const kernelCase = (arch: string, release: string, expected: string) => () => {
    const env = { DIB_UBUNTU_KERNEL: 'linux-image-generic', DIB_RELEASE: release };
    assert.deepEqual(plain(kernel, { arch, env }), { 'install.d': { install: [[expected, 'test_element']] } });
  };
  it('test_param_list_x86', kernelCase('x86_64', 'focal', 'linux-image-generic'));
  it('test_param_list_arm64_xenial', kernelCase('arm64', 'xenial', 'linux-generic-hwe-16.04'));
  it('test_param_list_arm64_focal', kernelCase('arm64', 'focal', 'linux-image-generic'));

  it('test_skip_when', () => {
    const objs = {
      skipped_package: { when: 'DIB_FEATURE=0' },
      not_skipped_package: { when: 'DIB_FEATURE=1' },
      not_equal_package: { when: 'DIB_FEATURE!=0' },
      not_equal_skipped_package: { when: 'DIB_FEATURE!=1' },
    };
    assert.deepEqual(plain(JSON.stringify(objs), { env: { DIB_FEATURE: '1' } }), {
      'install.d': {
        install: [
          ['not_equal_package', 'test_element'],
          ['not_skipped_package', 'test_element'],
        ],
      },
    });
  });

  it('test_skip_no_var', () => {
    assert.throws(
      () => squash('package:\n  when: MISSING_VAR=1\n'),
      (e: unknown) => e instanceof KilnError && /MISSING_VAR/.test(e.message) && e.where === '/e/test_element/package-installs.yaml:1 (element test_element)',
    );
  });

  it('test_skip_when_list', () => {
    const env = { DIB_A_FEATURE: '1', DIB_B_FEATURE: '1', DIB_C_FEATURE: '1' };
    const objs = {
      not_skipped_package: { when: ['DIB_A_FEATURE=1', 'DIB_B_FEATURE=1', 'DIB_C_FEATURE=1'] },
      skipped_package: { when: ['DIB_A_FEATURE=1', 'DIB_B_FEATURE=0', 'DIB_C_FEATURE=1'] },
    };
    assert.deepEqual(plain(JSON.stringify(objs), { env }), { 'install.d': { install: [['not_skipped_package', 'test_element']] } });
  });
});

describe('package-installs quirks kept from DIB', () => {
  it('arch lists are split on "," but never stripped', () => {
    const text = 'a:\n  not-arch: ppc64, amd64\nb:\n  arch: ppc64, amd64\nc:\n  arch: ppc64,amd64\n';
    assert.deepEqual(plain(text), {
      'install.d': {
        install: [
          ['a', 'test_element'],
          ['c', 'test_element'],
        ],
      },
    });
  });

  it('arch and not-arch together are an error naming file:line', () => {
    assert.throws(
      () => squash('ok:\nboth:\n  arch: amd64\n  not-arch: arm64\n'),
      (e: unknown) => e instanceof KilnError && /both arch and not-arch/.test(e.message) && /package-installs\.yaml:2/.test(e.where ?? ''),
    );
  });

  it('uninstall is key presence; build-only installs and uninstalls; phase is kept', () => {
    const text = 'a:\n  uninstall: false\nb:\n  build-only: no\n  phase: pre-install.d\nc:\n  uninstall:\n  build-only:\n';
    assert.deepEqual(plain(text), {
      'install.d': {
        uninstall: [
          ['a', 'test_element'],
          ['c', 'test_element'],
        ],
        install: [['c', 'test_element']],
      },
      'pre-install.d': { install: [['b', 'test_element']], uninstall: [['b', 'test_element']] },
    });
  });

  it('installtype compares with DIB_INSTALLTYPE_<element> else the default (source)', () => {
    const text = 'src:\n  installtype: source\npkg:\n  installtype: package\n';
    assert.deepEqual(plain(text), { 'install.d': { install: [['src', 'test_element']] } });
    assert.deepEqual(plain(text, { env: { DIB_DEFAULT_INSTALLTYPE: 'package' } }), { 'install.d': { install: [['pkg', 'test_element']] } });
    const el = squash(text, { env: { DIB_INSTALLTYPE_my_el: 'package' } }, 'my-el');
    assert.deepEqual(
      packagesFor(el, 'install.d', 'install').map((e) => e.pkg),
      ['pkg'],
    );
    assert.deepEqual(plain(text, { defaultInstallType: 'package', env: { DIB_DEFAULT_INSTALLTYPE: 'source' } }), {
      'install.d': { install: [['pkg', 'test_element']] },
    });
  });

  it('dib_python_version compares str() of the value with DIB_PYTHON_VERSION', () => {
    const text = 'p3:\n  dib_python_version: 3\np2:\n  dib_python_version: 2\nany:\n  dib_python_version: ""\n';
    assert.deepEqual(plain(text, { env: { DIB_PYTHON_VERSION: '3' } }), {
      'install.d': {
        install: [
          ['any', 'test_element'],
          ['p3', 'test_element'],
        ],
      },
    });
    assert.deepEqual(plain(text), { 'install.d': { install: [['any', 'test_element']] } });
  });

  it('when: spaces around the operator, value not trimmed on the right, unset var errors only if reached', () => {
    const env = { X: 'a b ' };
    assert.deepEqual(plain(JSON.stringify({ yes_: { when: 'X = a b ' }, no_: { when: 'X=a b' } }), { env }), {
      'install.d': { install: [['yes_', 'test_element']] },
    });
    // installtype filters first, so the unset variable is never evaluated
    assert.deepEqual(plain('p:\n  installtype: package\n  when: UNSET=1\n'), {});
    // every statement of a list is evaluated, even after a false one
    assert.throws(() => plain(JSON.stringify({ p: { when: ['X=no', 'UNSET=1'] } }), { env }), /UNSET/);
    assert.throws(() => plain('p:\n  when: "not a statement"\n'), /malformed when/);
  });

  it('falsy values mean one empty filter set; non-map alternatives are errors', () => {
    assert.deepEqual(plain('a:\nb: ""\nc: []\nd: {}\n'), {
      'install.d': {
        install: [
          ['a', 'test_element'],
          ['b', 'test_element'],
          ['c', 'test_element'],
          ['d', 'test_element'],
        ],
      },
    });
    assert.throws(
      () => squash('a:\n  - phase: install.d\n  - just-a-string\n'),
      (e: unknown) => e instanceof KilnError && /alternative #2/.test(e.message) && /:1 \(element test_element\)/.test(e.where ?? ''),
    );
    assert.throws(() => squash('a: string\n'), /not a map of keys/);
  });

  it('JSON first, then YAML 1.1; bad syntax names file:line; empty or list files are refused', () => {
    assert.deepEqual(plain('{"a": null, "b": {"phase": "post-install.d"}}'), {
      'install.d': { install: [['a', 'test_element']] },
      'post-install.d': { install: [['b', 'test_element']] },
    });
    assert.throws(
      () => squash('a:\n  phase: [x\nb:\n'),
      (e: unknown) => e instanceof KilnError && /package-installs\.yaml:\d/.test(e.where ?? ''),
    );
    assert.throws(() => squash(''), /empty/);
    assert.throws(() => squash('- a\n- b\n'), /a list/);
    assert.throws(() => squash('yes:\n'), /not a string/);
  });

  it('a repeated key keeps its first position and last value (Python dict)', () => {
    const m = squash('a:\nb:\na:\n  phase: pre-install.d\n');
    assert.deepEqual([...m.phases.keys()], ['pre-install.d', 'install.d']);
  });
});

describe('formatSquashedJson', () => {
  it('writes json.dump(indent=True, separators=(",", ": ")) byte for byte', () => {
    const m = squash('a:\nb:\n  build-only: 1\n', {}, 'el');
    assert.equal(
      formatSquashedJson(m),
      [
        '{',
        ' "install.d": {',
        '  "install": [',
        '   [',
        '    "a",',
        '    "el"',
        '   ],',
        '   [',
        '    "b",',
        '    "el"',
        '   ]',
        '  ],',
        '  "uninstall": [',
        '   [',
        '    "b",',
        '    "el"',
        '   ]',
        '  ]',
        ' }',
        '}',
      ].join('\n'),
    );
    assert.equal(formatSquashedJson(emptySquash()), '{}');
  });

  it('writeSquashedJson puts it at <tree>/tmp/package-installs.json', () => {
    const tree = mkdtempSync(join(tmpdir(), 'kiln-pi-'));
    try {
      const m = squash('a:\n', {}, 'el');
      assert.equal(writeSquashedJson(tree, m), join(tree, 'tmp/package-installs.json'));
      assert.equal(readFileSync(join(tree, 'tmp/package-installs.json'), 'utf8'), formatSquashedJson(m));
    } finally {
      rmSync(tree, { recursive: true, force: true });
    }
  });

  it('escapes like Python ensure_ascii', () => {
    assert.equal(pyJsonString('a"\\\n\u0001é\u007f😀'), '"a\\"\\\\\\n\\u0001\\u00e9\\u007f\\ud83d\\ude00"');
  });
});

describe('legacy package-installs-<element> files', () => {
  it('skips blanks and comments; a leading "-" marks a package removed at the end of the phase', () => {
    assert.deepEqual(parseLegacyPackageList('foo\n\n# c\n  -bar  \n'), [
      { pkg: 'foo', uninstallAtEnd: false },
      { pkg: 'bar', uninstallAtEnd: true },
    ]);
  });
});
