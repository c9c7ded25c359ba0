/**
 * The closest element names to an unknown one, for "did you mean ...?": optimal string alignment
 * distance (edits, and swaps of two neighbouring characters), at most a third of the name's length
 * (at least 1); ties sorted by name; at most three.
 */
export function closestNames(name: string, known: Iterable<string>, max = 3): string[] {
  const limit = Math.max(1, Math.floor(name.length / 3));
  const scored: { n: string; d: number }[] = [];
  for (const n of known) {
    if (n === name) continue;
    const d = editDistance(name.toLowerCase(), n.toLowerCase());
    if (d <= limit) scored.push({ n, d });
  }
  scored.sort((a, b) => a.d - b.d || (a.n < b.n ? -1 : a.n > b.n ? 1 : 0));
  return scored.slice(0, max).map((s) => s.n);
}

/** " (did you mean a or b?)", or '' when nothing is close. */
export function didYouMean(name: string, known: Iterable<string>): string {
  const names = closestNames(name, known);
  if (names.length === 0) return '';
  const list = names.length === 1 ? names[0] : `${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}`;
  return `; did you mean ${list}?`;
}

export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}
