/**
 * Discover elements along ELEMENTS_PATH (diskimage_builder/element_dependencies.py _find_all_elements). The path is walked in reverse so
 * that earlier entries override later ones; every directory inside an entry is an element named
 * after the basename of its realpath.
 */
import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { KilnError } from '../errors.js';
import { parseNameList, type Element, type ElementIndex } from './element.js';

export function scanElements(paths: string[]): ElementIndex {
  if (paths.length === 0) {
    throw new KilnError('ELEMENTS_PATH is empty', { hint: 'set ELEMENTS_PATH to a colon-separated list of element directories' });
  }
  const elements = new Map<string, Element>();
  const overrides: ElementIndex['overrides'] = [];
  for (const entry of [...paths].reverse()) {
    if (!isDir(entry)) {
      throw new KilnError(`ELEMENTS_PATH entry '${entry}' is not a directory`, {
        hint: 'remove it from ELEMENTS_PATH or create the directory',
      });
    }
    for (const child of readdirSync(entry).sort()) {
      const dir = join(entry, child);
      if (!isDir(dir)) continue;
      const real = realpathSync(dir);
      const el = readElement(real);
      const old = elements.get(el.name);
      if (old) overrides.push({ name: el.name, winner: el.path, loser: old.path });
      elements.set(el.name, el);
    }
  }
  return { elements, overrides, paths: [...paths] };
}

export function readElement(realDir: string): Element {
  return {
    name: basename(realDir),
    path: realDir,
    deps: readList(join(realDir, 'element-deps')),
    provides: readList(join(realDir, 'element-provides')),
  };
}

function readList(file: string): string[] {
  return existsSync(file) ? parseNameList(readFileSync(file, 'utf8')) : [];
}

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}
