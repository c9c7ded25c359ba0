/**
 * Cache keys: sha256 over a canonical JSON of everything that changes a bootstrap's content
 * (distro, release, arch, mirror, components, package set, driver version, ...). Object keys are
 * sorted and arrays kept in order, so callers sort sets (packages) before hashing.
 */
import { createHash } from 'node:crypto';

export type CacheInputValue = string | number | boolean | null | CacheInputValue[] | { [k: string]: CacheInputValue };
export type CacheInputs = { [k: string]: CacheInputValue };

export function canonicalJson(v: CacheInputValue): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(v[k]!)}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

export function cacheKey(inputs: CacheInputs): string {
  return createHash('sha256').update(canonicalJson(inputs)).digest('hex');
}
