/**
 * Sizes as one branded type from the parser to the encoder: a `Bytes` is a safe, non-negative
 * integer count of bytes, and can only be made here, so a GiB or a sector count cannot pass for it.
 */
import { KilnError } from './errors.js';

export type Bytes = number & { readonly __unit: 'bytes' };

export const KiB = 1024;
export const MiB = 1024 * KiB;
export const GiB = 1024 * MiB;

/** A byte count; throws (a bug, not user input) when `n` is not a safe non-negative integer. */
export function bytes(n: number): Bytes {
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`not a byte count: ${n}`);
  return n as Bytes;
}

/** `n` units of `unit` bytes, truncated to whole bytes (DIB: int(factor * float(number))). */
export function bytesOf(n: number, unit: number): Bytes {
  const b = Math.trunc(n * unit);
  if (!Number.isSafeInteger(b) || b < 0) throw new KilnError(`size ${n} x ${unit} bytes is out of range`);
  return b as Bytes;
}
