/**
 * YAML text -> plain JS values that remember where they came from. Every map and sequence is
 * recorded in `lines` (1-based line of its first key/item), so each config node can name its
 * file:line in errors. Numbers under a `type` key keep their source text: DIB reads MBR types
 * base 16 (`type: 83` means 0x83), and YAML would otherwise turn `0x83` into 131.
 */
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import { KilnError } from '../../errors.js';

export interface ParsedYaml {
  value: unknown;
  file: string;
  /** 1-based line of every map/sequence object in `value` */
  lines: WeakMap<object, number>;
  /** 1-based line of each item of every sequence (scalars included) */
  itemLines: WeakMap<unknown[], number[]>;
}

export function parseYamlWithLines(text: string, file: string): ParsedYaml {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: false });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const line = counter.linePos(e.pos[0]).line;
    throw new KilnError(`invalid YAML: ${e.message.split('\n')[0]}`, { where: `${file}:${line}`, hint: 'fix the YAML syntax' });
  }
  const lines = new WeakMap<object, number>();
  const itemLines = new WeakMap<unknown[], number[]>();
  const lineOf = (n: Node | null | undefined): number => (n?.range ? counter.linePos(n.range[0]).line : 0);
  const convert = (n: unknown, key?: string): unknown => {
    if (isMap(n)) {
      const out: Record<string, unknown> = {};
      lines.set(out, lineOf(n));
      for (const pair of n.items) {
        const k = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
        out[k] = convert(pair.value, k);
        if (typeof out[k] === 'object' && out[k] !== null && isScalar(pair.key)) lines.set(out[k] as object, lineOf(pair.key));
      }
      return out;
    }
    if (isSeq(n)) {
      const out: unknown[] = [];
      lines.set(out, lineOf(n));
      itemLines.set(
        out,
        n.items.map((item) => lineOf(item as Node)),
      );
      for (const item of n.items) out.push(convert(item));
      return out;
    }
    if (isScalar(n)) {
      if (key === 'type' && typeof n.value === 'number' && typeof n.source === 'string') return n.source;
      return n.value;
    }
    return null;
  };
  return { value: convert(doc.contents), file, lines, itemLines };
}
