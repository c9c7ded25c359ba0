/** The element model: a directory in DIB's element format (diskimage-builder's element format; docs/element-authoring.md). */
export interface Element {
  /** basename of the element directory's realpath (DIB quirk: a symlinked element takes its target's name) */
  name: string;
  /** realpath of the element directory */
  path: string;
  /** element-deps: one name per line, whitespace stripped, blank lines dropped (no comments, as DIB) */
  deps: string[];
  /** element-provides: virtual names this element provides */
  provides: string[];
}

export interface ElementOverride {
  name: string;
  /** the path that wins (earlier in ELEMENTS_PATH) */
  winner: string;
  loser: string;
}

export interface ElementIndex {
  elements: Map<string, Element>;
  overrides: ElementOverride[];
  /** the ELEMENTS_PATH entries that were scanned, in priority order */
  paths: string[];
}

/** Parse an element-deps / element-provides file body exactly as DIB does. */
export function parseNameList(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
}
