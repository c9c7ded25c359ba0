/**
 * `LANG=C sort -n` on hook names: numeric on the leading number (optional '-', digits; no number
 * counts as 0), ties broken by a byte comparison of the whole name. So 100-x runs after 99-y.
 */
function leadingNumber(s: string): number {
  const m = /^\s*(-?\d+(?:\.\d+)?)/.exec(s);
  return m ? Number(m[1]) : 0;
}

export function compareSortN(a: string, b: string): number {
  const d = leadingNumber(a) - leadingNumber(b);
  if (d !== 0) return d < 0 ? -1 : 1;
  const ba = Buffer.from(a);
  const bb = Buffer.from(b);
  return Buffer.compare(ba, bb);
}

export function sortN(names: string[]): string[] {
  return [...names].sort(compareSortN);
}
