/**
 * One parser per kind of setting value. A parser takes the text of a flag or an environment
 * variable and returns the typed value, or throws a KilnError saying what was expected; the reader
 * (read-settings.ts) adds which flag or variable it was. Sizes become `Bytes` right here.
 */
import { parseAbsSize } from '../block-device/common/sizes.js';
import { archNames, findArch } from '../arch/index.js';
import { KilnError } from '../errors.js';
import { bytes, bytesOf, GiB, type Bytes } from '../units.js';
import { resolve } from 'node:path';

export interface ValueType<T> {
  /** how the docs name the value: "a whole number", "yes/no (set)" */
  doc: string;
  /** what yargs parses it as, for the `kiln` subcommands */
  yargs: 'string' | 'number' | 'boolean';
  choices?: readonly string[];
  parse(text: string): T;
}

const bad = (text: string, expected: string, hint?: string): KilnError => new KilnError(`'${text}' is not ${expected}`, hint ? { hint } : {});

/**
 * The ways DIB's shell code tests a yes/no variable; each variable keeps the one DIB uses for it.
 *  - nonEmpty: `[ -n "$X" ]`: any non-empty value is yes, even "0" (DIB_OFFLINE, break_outside_target)
 *  - one: `[ "${X:-0}" -eq 1 ]`: only "1" is yes (DIB_QUIET, DIB_NO_TIMESTAMP, KILN_*)
 *  - nonZero: `[ "${X:-0}" -ne 0 ]`: yes unless "0" (OVERWRITE_OLD_IMAGE)
 *  - unlessFalse: yes unless false, 0, no or off in any case; DIB's bootloader tests for "True"
 *    exactly, Kiln's bootloader hook and grub.cfg agree on this wider reading
 * An empty value never gets here: the reader treats it as unset (the setting's default).
 */
export type BoolDialect = 'nonEmpty' | 'one' | 'nonZero' | 'unlessFalse';

const BOOL_DOC: Record<BoolDialect, string> = {
  nonEmpty: 'yes when set to anything',
  one: 'yes when 1',
  nonZero: 'yes unless 0',
  unlessFalse: 'no when false, 0, no or off; else yes',
};

export function bool(dialect: BoolDialect): ValueType<boolean> {
  return {
    doc: BOOL_DOC[dialect],
    yargs: 'boolean',
    parse(text) {
      switch (dialect) {
        case 'nonEmpty':
          return text !== '';
        case 'one':
          return text.trim() === '1';
        case 'nonZero':
          return text.trim() !== '0';
        case 'unlessFalse':
          return !/^(false|0|no|off)$/i.test(text.trim());
      }
    },
  };
}

/** A whole number, at least `min` (default 0). */
export function integer(min = 0): ValueType<number> {
  const expected = min > 0 ? `a whole number of at least ${min}` : 'a whole number';
  return {
    doc: expected,
    yargs: 'number',
    parse(text) {
      const t = text.trim();
      const n = Number(t);
      if (!/^\d+$/.test(t) || !Number.isSafeInteger(n) || n < min) throw bad(text, expected);
      return n;
    },
  };
}

/** A number (decimals allowed), at least `min`; `positive` refuses 0. */
export function decimal(opts: { positive?: boolean } = {}): ValueType<number> {
  const expected = opts.positive ? 'a number greater than 0' : 'a number of at least 0';
  return {
    doc: opts.positive ? 'a number > 0' : 'a number >= 0',
    yargs: 'number',
    parse(text) {
      const t = text.trim();
      const n = Number(t);
      if (!/^\d+(\.\d+)?$|^\.\d+$/.test(t) || !Number.isFinite(n) || (opts.positive && n === 0)) throw bad(text, expected);
      return n;
    },
  };
}

const SIZE_RE = /^(\d+(\.\d+)?|\.\d+) ?([A-Za-z]*)$/;
const SIZE_HINT = 'give a number of GiB (3, 1.5) or a size with a unit: 3GiB, 2500MiB (G, M, K are decimal: 3G = 3,000,000,000 bytes)';

/** A size in DIB's block-device units (KiB..TiB binary, K/KB..T/TB decimal; a bare number is bytes). */
export const byteSize: ValueType<Bytes> = {
  doc: 'a size: 512 (bytes), 100MiB, 2G (decimal)',
  yargs: 'string',
  parse(text) {
    const t = text.trim();
    if (!SIZE_RE.test(t)) throw bad(text, 'a size', "write e.g. '100MiB', '2G' or '512' (bytes)");
    return bytes(parseAbsSize(t));
  },
};

/**
 * The image size (--image-size, DIB_IMAGE_SIZE): a bare number is GiB, decimals allowed, as DIB's
 * disk-image-create reads it; with a unit it is a DIB size (3GiB, 2500MiB). More than 0.
 */
export const gibSize: ValueType<Bytes> = {
  doc: 'GiB (3, 1.5), or a size with a unit (3GiB, 2500MiB)',
  yargs: 'string',
  parse(text) {
    const m = SIZE_RE.exec(text.trim());
    if (!m) throw bad(text, 'a size', SIZE_HINT);
    let size: Bytes;
    try {
      size = m[3] === '' ? bytesOf(Number(m[1]), GiB) : bytes(parseAbsSize(text.trim()));
    } catch (e) {
      throw e instanceof KilnError ? new KilnError(`'${text}' is not a size: ${e.message}`, { hint: SIZE_HINT }) : e;
    }
    if (size === 0) throw bad(text, 'a size greater than 0', SIZE_HINT);
    return size;
  },
};

/** A path, made absolute against the current directory. */
export const path: ValueType<string> = { doc: 'a path', yargs: 'string', parse: (text) => resolve(text) };

/** Text, taken as given (`trim`: without surrounding white space). */
export function text(opts: { trim?: boolean } = {}): ValueType<string> {
  return { doc: 'text', yargs: 'string', parse: (t) => (opts.trim ? t.trim() : t) };
}

/** An architecture name or alias (the arch table), as its canonical (Debian) name. */
export function archName(): ValueType<string> {
  return {
    doc: 'an architecture',
    yargs: 'string',
    parse(text) {
      const a = findArch(text);
      if (!a) throw bad(text, 'a known architecture', `use one of ${archNames()}`);
      return a.name;
    },
  };
}

/** A list: split on `separator`, items trimmed, empty items dropped. */
export function list(separator: RegExp | string = ','): ValueType<string[]> {
  const sep = typeof separator === 'string' ? separator : 'commas or spaces';
  return {
    doc: `a list (${sep === ',' ? 'comma' : sep === ':' ? 'colon' : sep}-separated)`,
    yargs: 'string',
    parse: (t) =>
      t
        .split(separator)
        .map((s) => s.trim())
        .filter(Boolean),
  };
}

/** One of `choices`. */
export function oneOf<const C extends string>(choices: readonly C[]): ValueType<C> {
  const expected = choices.length === 2 ? `${choices[0]} or ${choices[1]}` : `one of ${choices.join(', ')}`;
  return {
    doc: choices.join('|'),
    yargs: 'string',
    choices,
    parse(text) {
      const t = text.trim();
      if (!(choices as readonly string[]).includes(t)) throw bad(text, expected, `use ${expected}`);
      return t as C;
    },
  };
}

/** Several of `choices`, comma-separated, in `choices` order, once each; `aliases` name whole lists (DIB_CHECKSUM=1 is md5,sha256). */
export function someOf<const C extends string>(choices: readonly C[], aliases: Record<string, readonly C[]> = {}): ValueType<C[]> {
  const one = oneOf(choices);
  return {
    doc: `${[...Object.keys(aliases), ...choices].join('|')}, or a comma-separated list`,
    yargs: 'string',
    parse(text) {
      const t = text.trim();
      if (t in aliases) return [...aliases[t]!];
      try {
        const given = t.split(',').map((s) => one.parse(s));
        return choices.filter((c) => given.includes(c));
      } catch (e) {
        const keys = [...Object.keys(aliases), ...choices];
        throw e instanceof KilnError
          ? new KilnError(`'${text}' is not a list of ${choices.join('/')}`, { hint: `use ${keys.join(', ')} or a comma-separated list` })
          : e;
      }
    },
  };
}
