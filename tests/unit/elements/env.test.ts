import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
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
