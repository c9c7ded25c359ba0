import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bool, byteSize, decimal, gibSize, integer, list, oneOf, someOf } from '../../../src/config/values.js';
import { KilnError } from '../../../src/errors.js';

const GiB = 1024 ** 3;
const refused = (fn: () => unknown, re: RegExp) => assert.throws(fn, (e) => e instanceof KilnError && re.test(e.message));

describe('yes/no, each as DIB tests it', () => {
  // "" never reaches a parser: the reader takes an empty variable as unset (the default)
  const cases: [Parameters<typeof bool>[0], Record<string, boolean>][] = [
    ['nonEmpty', { 0: true, 1: true, no: true }], // [ -n "$DIB_OFFLINE" ]
    ['one', { 0: false, 1: true, 2: false, yes: false, ' 1 ': true }], // [ "${DIB_QUIET:-0}" -eq 1 ]
    ['nonZero', { 0: false, 1: true, 2: true }], // [ "${OVERWRITE_OLD_IMAGE:-0}" -ne 0 ]
    ['unlessFalse', { 0: false, False: false, false: false, NO: false, off: false, True: true, 1: true, yes: true, x: true }],
  ];
  for (const [dialect, want] of cases) {
    it(dialect, () => {
      for (const [text, v] of Object.entries(want)) assert.equal(bool(dialect).parse(text), v, `${dialect} ${JSON.stringify(text)}`);
    });
  }
});

describe('numbers', () => {
  it('integer: whole, at least min', () => {
    assert.equal(integer().parse('0'), 0);
    assert.equal(integer().parse(' 42 '), 42);
    refused(() => integer().parse('1.5'), /'1.5' is not a whole number/);
    refused(() => integer().parse('-1'), /not a whole number/);
    refused(() => integer().parse('0x10'), /not a whole number/);
    refused(() => integer(1).parse('0'), /at least 1/);
  });
  it('decimal: a plain number, optionally > 0', () => {
    assert.equal(decimal().parse('0'), 0);
    assert.equal(decimal().parse('2.5'), 2.5);
    refused(() => decimal().parse('1e3'), /not a number/);
    refused(() => decimal({ positive: true }).parse('0'), /greater than 0/);
  });
});

describe('sizes become Bytes at the parser', () => {
  it('gibSize: a bare number is GiB (decimals allowed), a unit makes it a DIB size', () => {
    assert.equal(gibSize.parse('3'), 3 * GiB);
    assert.equal(gibSize.parse('1.5'), 1.5 * GiB);
    assert.equal(gibSize.parse('3GiB'), 3 * GiB);
    assert.equal(gibSize.parse('3 GiB'), 3 * GiB);
    assert.equal(gibSize.parse('2500MiB'), 2500 * 1024 ** 2);
    assert.equal(gibSize.parse('3G'), 3e9, 'G is decimal, as in block-device YAML');
    assert.equal(gibSize.parse('64MiB'), 64 * 1024 ** 2);
  });
  it('gibSize refuses what is not a size, and 0', () => {
    for (const t of ['big', '3 GiB extra', 'GiB', '-1', '', '1.2.3']) refused(() => gibSize.parse(t), /is not a size/);
    refused(() => gibSize.parse('3PiB'), /unit_str \[PiB\] not known/);
    refused(() => gibSize.parse('0'), /greater than 0/);
  });
  it('byteSize: a bare number is bytes', () => {
    assert.equal(byteSize.parse('512'), 512);
    assert.equal(byteSize.parse('1800M'), 1_800_000_000);
    refused(() => byteSize.parse('lots'), /is not a size/);
  });
});

describe('lists and choices', () => {
  it('list: split, trimmed, empty items dropped', () => {
    assert.deepEqual(list().parse(' a, b,,c '), ['a', 'b', 'c']);
    assert.deepEqual(list(':').parse('/a::/b'), ['/a', '/b']);
    assert.deepEqual(list(/[,\s]+/).parse('main contrib,non-free'), ['main', 'contrib', 'non-free']);
  });
  it('oneOf names the choices', () => {
    assert.equal(oneOf(['label', 'uuid']).parse('uuid'), 'uuid');
    refused(() => oneOf(['label', 'uuid']).parse('path'), /'path' is not label or uuid/);
    refused(() => oneOf(['a', 'b', 'c']).parse('d'), /one of a, b, c/);
  });
  it('someOf: a comma list of choices, or an alias', () => {
    const t = someOf(['md5', 'sha256'], { 1: ['md5', 'sha256'], 0: [] });
    assert.deepEqual(t.parse('1'), ['md5', 'sha256']);
    assert.deepEqual(t.parse('0'), []);
    assert.deepEqual(t.parse('sha256,md5,md5'), ['md5', 'sha256'], 'in a fixed order, once each');
    refused(() => t.parse('crc'), /'crc' is not a list of md5\/sha256/);
  });
});
