/**
 * Parse an element's package-installs.json / package-installs.yaml (docs/package-installs.md) as DIB's
 * package-installs-squash reads it: `json.load` first, `yaml.safe_load` (YAML 1.1) when that fails.
 * The result keeps Python's dict semantics (a repeated key keeps its first position and its last
 * value) and the line of every package so later errors can name file:line.
 */
import { Document, isMap, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import { KilnError } from '../errors.js';

/** A YAML/JSON value as PyYAML/json would hand it to the squash: mappings stay ordered Maps. */
export type RawValue = null | string | number | boolean | bigint | RawValue[] | Map<unknown, RawValue>;

/** One filter set (one map of a list-of-maps alternative, or the single map). */
export interface PackageParams {
  values: Map<unknown, RawValue>;
}

export interface PackageDecl {
  pkg: string;
  /** 1-based line of the package key, when known */
  line?: number;
  /** DIB: a falsy value means one empty filter set; a list means alternatives evaluated independently */
  alternatives: PackageParams[];
}

export interface PackageInstallsFile {
  file: string;
  element: string;
  decls: PackageDecl[];
}

const HINT =
  'package-installs.yaml maps package names to nothing, a map of keys (phase, uninstall, build-only, installtype, arch, not-arch, dib_python_version, when) or a list of such maps';

export function parsePackageInstalls(text: string, file: string, element: string): PackageInstallsFile {
  const lines = new LineCounter();
  const doc = parseAsDib(text, file, element, lines);
  const top: unknown = doc.toJS({ mapAsMap: true, maxAliasCount: -1 });
  const where = `${file} (element ${element})`;
  if (!(top instanceof Map)) {
    const what = top === null || top === undefined ? 'empty' : Array.isArray(top) ? 'a list' : 'a scalar';
    throw new KilnError(`package-installs file is ${what}, not a mapping of package names`, { where, hint: HINT });
  }
  const keyLines = topKeyLines(doc, lines);
  const decls: PackageDecl[] = [];
  for (const [key, value] of top as Map<unknown, RawValue>) {
    const line = keyLines.get(key);
    const at = line === undefined ? where : `${file}:${line} (element ${element})`;
    if (typeof key !== 'string') {
      throw new KilnError(`package name ${String(key)} is not a string`, {
        where: at,
        hint: 'quote the package name (YAML 1.1 reads yes/no/on/off/numbers as non-strings)',
      });
    }
    decls.push({ pkg: key, ...(line === undefined ? {} : { line }), alternatives: alternativesOf(value, key, at) });
  }
  return { file, element, decls };
}

/** JSON first (Python's json accepts what JSON.parse accepts), then YAML 1.1 as PyYAML safe_load. */
function parseAsDib(text: string, file: string, element: string, lines: LineCounter): Document {
  let isJson = true;
  try {
    JSON.parse(text);
  } catch {
    isJson = false;
  }
  const opts = isJson
    ? { version: '1.2' as const, schema: 'json', uniqueKeys: false, lineCounter: lines }
    : { version: '1.1' as const, uniqueKeys: false, lineCounter: lines };
  const doc = parseDocument(text, opts);
  // JSON that the YAML parser rejects (rare: e.g. tabs): keep JSON.parse's value, without lines
  if (isJson && doc.errors.length > 0) return new Document(JSON.parse(text));
  const err = doc.errors[0];
  if (err) {
    const line = err.linePos?.[0].line;
    throw new KilnError(`cannot parse package-installs file: ${err.message.split('\n')[0]}`, {
      where: `${file}${line === undefined ? '' : `:${line}`} (element ${element})`,
      hint: 'fix the JSON/YAML syntax',
      cause: err,
    });
  }
  return doc;
}

function topKeyLines(doc: Document, lines: LineCounter): Map<unknown, number> {
  const out = new Map<unknown, number>();
  if (!isMap(doc.contents)) return out;
  for (const pair of doc.contents.items) {
    const key = isScalar(pair.key) ? pair.key.value : pair.key;
    const start = isScalar(pair.key) || isMap(pair.key) || isSeq(pair.key) ? pair.key.range?.[0] : undefined;
    if (start !== undefined && !out.has(key)) out.set(key, lines.linePos(start).line);
  }
  return out;
}

/** package-installs-squash: `if not params: [{}]`; a non-list is wrapped; every item must be a map. */
function alternativesOf(value: RawValue, pkg: string, at: string): PackageParams[] {
  if (!pyTruthy(value)) return [{ values: new Map() }];
  const items = Array.isArray(value) ? value : [value];
  return items.map((item, i) => {
    if (!(item instanceof Map)) {
      throw new KilnError(`package '${pkg}': ${Array.isArray(value) ? `alternative #${i + 1}` : 'value'} is ${describe(item)}, not a map of keys`, {
        where: at,
        hint: HINT,
      });
    }
    return { values: item };
  });
}

export function describe(v: RawValue | undefined): string {
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (v instanceof Map) return 'a map';
  return `${typeof v} '${String(v)}'`;
}

/** Python truthiness of a parsed value. */
export function pyTruthy(v: RawValue | undefined): boolean {
  if (v === null || v === undefined || v === false || v === '' || v === 0 || v === 0n) return false;
  if (Array.isArray(v)) return v.length > 0;
  if (v instanceof Map) return v.size > 0;
  return true;
}

/**
 * Legacy per-phase `package-installs-<element>` files (README: deprecated): one package per line,
 * blank lines and '#' comments skipped. DIB's `package-installs` strips a leading '-' and installs the
 * package at the start of the phase; `package-uninstalls` removes the '-' ones at the end of it.
 */
export interface LegacyPackageLine {
  pkg: string;
  uninstallAtEnd: boolean;
}

export function parseLegacyPackageList(text: string): LegacyPackageLine[] {
  const out: LegacyPackageLine[] = [];
  for (const raw of text.split('\n')) {
    // bash `read pkg` strips leading/trailing IFS whitespace
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    out.push(line.startsWith('-') ? { pkg: line.slice(1), uninstallAtEnd: true } : { pkg: line, uninstallAtEnd: false });
  }
  return out;
}
