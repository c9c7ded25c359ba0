/**
 * Squash every element's package-installs file into one model, as DIB's package-installs-squash
 * (extra-data.d/99-squash-package-install) does before the in-target phases read it from
 * /tmp/package-installs.json.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { KilnError } from '../errors.js';
import { evaluateParams, type PackageInstallsContext, type PackageOp } from './package-installs-eval.js';
import { parsePackageInstalls, type PackageInstallsFile } from './package-installs-parse.js';

export interface PackageEntry {
  pkg: string;
  element: string;
}

/** phase -> op -> [pkg, element] entries, each map in DIB's insertion order (first use). */
export interface SquashedPackages {
  phases: Map<string, Map<PackageOp, PackageEntry[]>>;
}

export interface SquashSource {
  name: string;
  path: string;
}

export interface SquashContext extends PackageInstallsContext {
  /**
   * DIB quirk: the squash looks for each element name in EVERY ELEMENTS_PATH entry, so an overridden
   * element's lower-priority copy contributes packages too. Give the path entries to reproduce it;
   * without them only each element's own `path` is read.
   */
  elementsPath?: string[];
}

export function emptySquash(): SquashedPackages {
  return { phases: new Map() };
}

/** collect_data: add one parsed file's entries to the model (mutates and returns `into`). */
export function collectPackageInstalls(into: SquashedPackages, file: PackageInstallsFile, ctx: PackageInstallsContext): SquashedPackages {
  for (const decl of file.decls) {
    const at = `${file.file}${decl.line === undefined ? '' : `:${decl.line}`} (element ${file.element})`;
    for (const params of decl.alternatives) {
      const verdict = evaluateParams(decl.pkg, file.element, params, ctx, at);
      for (const op of verdict.ops) {
        let ops = into.phases.get(verdict.phase);
        if (!ops) {
          ops = new Map();
          into.phases.set(verdict.phase, ops);
        }
        let list = ops.get(op);
        if (!list) {
          list = [];
          ops.set(op, list);
        }
        list.push({ pkg: decl.pkg, element: file.element });
      }
    }
  }
  return into;
}

/** The element directories DIB's squash reads, in its order: element order, then path order. */
export function squashSourceDirs(elements: SquashSource[], elementsPath?: string[]): SquashSource[] {
  if (!elementsPath) return elements;
  const out: SquashSource[] = [];
  for (const el of elements) {
    for (const dir of elementsPath) {
      const candidate = join(dir, el.name);
      if (existsSync(candidate)) out.push({ name: el.name, path: candidate });
    }
  }
  return out;
}

/** Read and squash the package-installs.{json,yaml} of every element (both, when both exist). */
export function squashPackageInstalls(elements: SquashSource[], ctx: SquashContext): SquashedPackages {
  const model = emptySquash();
  for (const src of squashSourceDirs(elements, ctx.elementsPath)) {
    for (const ext of ['json', 'yaml']) {
      const file = join(src.path, `package-installs.${ext}`);
      if (!existsSync(file)) continue;
      collectPackageInstalls(model, parsePackageInstalls(readText(file, src.name), file, src.name), ctx);
    }
  }
  return model;
}

/** Entries of one phase and operation (what package-installs-v2 --phase P [--uninstall] reads). */
export function packagesFor(model: SquashedPackages, phase: string, op: PackageOp): PackageEntry[] {
  return model.phases.get(phase)?.get(op) ?? [];
}

function readText(file: string, element: string): string {
  try {
    if (statSync(file).isDirectory()) throw new Error('is a directory');
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new KilnError(`cannot read package-installs file: ${(e as Error).message}`, {
      where: `${file} (element ${element})`,
      hint: 'make it a readable file',
      cause: e,
    });
  }
}
