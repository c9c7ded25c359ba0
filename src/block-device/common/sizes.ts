/**
 * Size specs exactly as DIB's block_device/utils.py: `<number>[ ]<unit>`, binary (KiB..TiB) and
 * decimal (KB..TB, and K/M/G/T, which are DECIMAL: 1800M = 1,800,000,000 bytes) units, B or no unit
 * = bytes, a unit alone = 1 of it; a trailing % is relative to a size the caller gives.
 */
import { KilnError } from '../../errors.js';
import { bytesOf, type Bytes } from '../../units.js';

const UNITS: [string, number][] = [
  ['TiB', 1024 ** 4],
  ['GiB', 1024 ** 3],
  ['MiB', 1024 ** 2],
  ['KiB', 1024],
  ['TB', 1000 ** 4],
  ['GB', 1000 ** 3],
  ['MB', 1000 ** 2],
  ['KB', 1000],
  ['T', 1000 ** 4],
  ['G', 1000 ** 3],
  ['M', 1000 ** 2],
  ['K', 1000],
  ['B', 1],
  ['', 1],
];

// utils.py size_unit_spec_re
const SPEC_RE = /^([\d.]*) ?([a-zA-Z0-9_]*)$/;

/** A partition size as written: a byte count, or a percentage of a size known only when planning. */
export type SizeSpec = { relative: false; bytes: Bytes; text: string } | { relative: true; percent: number; text: string };

/** DIB parse_abs_size_spec: bytes (int(factor * float(number))). */
export function parseAbsSize(spec: string | number): Bytes {
  const text = String(spec);
  const m = SPEC_RE.exec(text);
  if (!m) throw new KilnError(`Invalid size unit spec [${text}]`, { hint: "write e.g. '100MiB', '2G', '512' (bytes) or '50%'" });
  const [, num = '', unit = ''] = m;
  const factor = UNITS.find(([u]) => u === unit)?.[1];
  if (factor === undefined) {
    throw new KilnError(`unit_str [${unit}] not known`, {
      hint: `units: ${UNITS.map(([u]) => u)
        .filter(Boolean)
        .join(' ')} (M, G... are decimal)`,
    });
  }
  const count = num.length > 0 ? Number(num) : 1;
  if (!Number.isFinite(count)) throw new KilnError(`Invalid size unit spec [${text}]`, { hint: 'the number has more than one dot' });
  return bytesOf(count, factor);
}

/** A size that may be relative (`N%`); relative values are resolved later with resolveSize(). */
export function parseSizeSpec(spec: string | number): SizeSpec {
  const text = String(spec).trim();
  if (text.endsWith('%')) {
    const percent = Number(text.slice(0, -1));
    if (text.length === 1 || !Number.isFinite(percent) || percent < 0) {
      throw new KilnError(`Invalid size unit spec [${text}]`, { hint: "a relative size is a number followed by %, e.g. '100%'" });
    }
    return { relative: true, percent, text };
  }
  return { relative: false, bytes: parseAbsSize(text), text };
}

/**
 * DIB parse_rel_size_spec: int(abs_size * percent / 100.0) for relative specs. A signed byte count:
 * the free space a partitioner tracks goes below zero once a partition has not fit (reported).
 */
export function resolveSize(spec: SizeSpec, ofBytes: number): number {
  return spec.relative ? Math.trunc((ofBytes * spec.percent) / 100) : spec.bytes;
}
