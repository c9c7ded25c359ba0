import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { formatElementEnv } from '../../../src/elements/env.js';

describe('formatElementEnv (element-info --env)', () => {
  it("prints DIB's three exports", () => {
    const els = [
      { name: 'a', path: '/e/a', deps: [], provides: [] },
      { name: 'b-c', path: '/e/b-c', deps: [], provides: [] },
    ];
    assert.equal(
      formatElementEnv(els),
      [
        "export IMAGE_ELEMENT='a b-c'",
        "export IMAGE_ELEMENT_YAML='a: /e/a",
        'b-c: /e/b-c',
        "'",
        'function get_image_element_array {',
        '  echo "[a]=/e/a [b-c]=/e/b-c "',
        '};',
        'export -f get_image_element_array;',
      ].join('\n'),
    );
  });
});

describe('element-info --env with paths that need quoting', () => {
  const odd = ['/e/with space/a', '/e/two  spaces/b', "/e/it's/c", '/e/$HOME `x` "q" \\back/d', '/e/glob*?[x]/e'];
  const els = odd.map((path, i) => ({ name: `el${i}`, path, deps: [], provides: [] }));
  it('bash gets every path back whole from IMAGE_ELEMENT_YAML and from get_image_element_array as DIB callers use it', () => {
    const script = [
      'set -eu',
      formatElementEnv(els),
      'eval declare -A image_elements=($(get_image_element_array))',
      `for i in ${els.map((e) => e.name).join(' ')}; do printf '%s\\0' "\${image_elements[$i]}"; done`,
      'printf "%s" "$IMAGE_ELEMENT_YAML" > "$1"',
    ].join('\n');
    const dir = mkdtempSync(join(tmpdir(), 'kiln-env-'));
    try {
      const r = spawnSync('bash', ['-c', script, 'bash', join(dir, 'yaml')], { encoding: 'utf8', cwd: dir });
      assert.equal(r.status, 0, r.stderr);
      assert.deepEqual(r.stdout.split('\0').slice(0, -1), odd);
      const yaml = parseYaml(readFileSync(join(dir, 'yaml'), 'utf8')) as Record<string, string>;
      assert.deepEqual(Object.values(yaml), odd);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
