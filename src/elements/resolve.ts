/**
 * Dependency expansion with DIB's exact semantics (diskimage_builder/element_dependencies.py):
 * breadth-first over element-deps, virtual names from element-provides, the provided names removed
 * from the result, cycles and self-dependencies allowed. Kiln adds the chain that led to an element
 * to every error, and returns the set sorted by name so plans are stable.
 */
import { unsupportedDistroElement } from '../distros/catalog.js';
import { KilnError } from '../errors.js';
import type { Element, ElementIndex } from './element.js';
import { didYouMean } from './suggest.js';

export type ResolveErrorKind = 'unsupported-distro' | 'missing-element' | 'already-provided' | 'requested-is-provided' | 'missing-os';

export class ResolveError extends KilnError {
  constructor(
    readonly kind: ResolveErrorKind,
    message: string,
    details: { where?: string; hint?: string } = {},
  ) {
    super(message, details);
    this.name = 'ResolveError';
  }
}

export interface ResolvedElements {
  /** the expanded set, sorted by name */
  elements: Element[];
  /** virtual name -> the elements that provide it */
  providedBy: Map<string, string[]>;
  /** element -> the chain of requesters that pulled it in (first time seen), e.g. ['vm', 'base'] */
  chains: Map<string, string[]>;
}

export function resolveElements(index: ElementIndex, requested: string[]): Element[] {
  return resolveElementSet(index, requested).elements;
}

export function resolveElementSet(index: ElementIndex, requested: string[]): ResolvedElements {
  const final = new Set<string>(requested);
  const queue: string[] = [...requested];
  const provided = new Set<string>();
  const providedBy = new Map<string, string[]>();
  const chains = new Map<string, string[]>();
  for (const r of requested) chains.set(r, []);

  while (queue.length > 0) {
    const name = queue.shift()!;
    if (provided.has(name)) continue;
    const el = index.elements.get(name);
    if (!el) {
      const chain = chains.get(name) ?? [];
      // a DIB distro name Kiln has no element for is refused by name, never "not found"
      const refused = unsupportedDistroElement(name);
      if (refused) {
        throw new ResolveError('unsupported-distro', `${refused.message}${chain.length ? ` (required by ${chain.join(' -> ')})` : ''}`, { hint: refused.hint });
      }
      throw new ResolveError(
        'missing-element',
        `Element '${name}' not found${chain.length ? ` (required by ${chain.join(' -> ')})` : ''}${didYouMean(name, index.elements.keys())}`,
        {
          hint: `check the name, or add the directory that holds it to ELEMENTS_PATH (searched: ${index.paths.join(':')})`,
        },
      );
    }
    for (const p of el.provides) {
      if (provided.has(p)) {
        const by = providedBy.get(p) ?? [];
        throw new ResolveError('already-provided', `${p}: already provided by ${pyList(by)} (and by ${describe(el.name, chains)})`, {
          hint: `use only one element that provides '${p}'`,
        });
      }
      providedBy.set(p, [...(providedBy.get(p) ?? []), el.name]);
    }
    for (const p of el.provides) provided.add(p);
    const deps = new Set(el.deps);
    for (const d of deps) {
      if (!final.has(d) && !provided.has(d)) {
        queue.push(d);
        if (!chains.has(d)) chains.set(d, [...(chains.get(name) ?? []), name]);
      }
    }
    for (const d of deps) final.add(d);
  }

  const conflicts = [...new Set(requested)].filter((r) => provided.has(r)).sort();
  if (conflicts.length > 0) {
    const lines = conflicts.map((c) => `${c} : already provided by ${pyList(providedBy.get(c) ?? [])}`);
    throw new ResolveError('requested-is-provided', `The following elements are already provided by another element: ${lines.join('; ')}`, {
      hint: 'do not name an element that another requested element already provides',
    });
  }
  if (!provided.has('operating-system')) {
    throw new ResolveError('missing-os', 'Please include an operating system element', {
      hint: `add one, e.g. debian-minimal or busybox-minimal (elements that provide 'operating-system')`,
    });
  }
  const elements = [...final]
    .filter((n) => !provided.has(n))
    .sort()
    .map((n) => index.elements.get(n)!);
  return { elements, providedBy, chains };
}

function describe(name: string, chains: Map<string, string[]>): string {
  const chain = chains.get(name) ?? [];
  return chain.length ? `'${name}' (required by ${chain.join(' -> ')})` : `'${name}'`;
}

/** Python's repr of a list of strings, as DIB prints it in its messages. */
function pyList(items: string[]): string {
  return `[${items.map((i) => `'${i}'`).join(', ')}]`;
}
