/**
 * pkg-map (diskimage_builder/elements/pkg-map/bin/pkg-map): an element's `pkg-map` JSON translates generic package names into
 * distro-specific ones. Sections are merged default -> family -> distro -> release, most specific
 * last; an empty string means "no package". Semantics follow DIB's elements/pkg-map/bin/pkg-map.
 */
import { KilnError } from '../errors.js';

export type NameMap = Record<string, string>;

export interface PkgMap {
  default?: NameMap;
  family?: Record<string, NameMap>;
  distro?: Record<string, NameMap>;
  /** distro -> release -> map */
  release?: Record<string, Record<string, NameMap>>;
}

export interface DistroRelease {
  distro: string;
  release?: string;
}

/** DIB 3.13's table plus the names newer DIB added (almalinux, rocky, openeuler). */
const FAMILIES: Record<string, string> = {
  fedora: 'redhat',
  rhel: 'redhat',
  rhel7: 'redhat',
  centos: 'redhat',
  centos7: 'redhat',
  almalinux: 'redhat',
  rocky: 'redhat',
  openeuler: 'redhat',
  debian: 'debian',
  ubuntu: 'debian',
  opensuse: 'suse',
  gentoo: 'gentoo',
};

export function osFamily(distro: string): string | undefined {
  return FAMILIES[distro];
}

/** DIB os_major_release: '8-stream' is looked up as '8'. */
export function osMajorRelease(release: string): string {
  return release === '8-stream' ? '8' : release;
}

export function parsePkgMap(text: string, file: string, element: string): PkgMap {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new KilnError(`cannot parse pkg-map: ${(e as Error).message}`, {
      where: `${file}${jsonErrorLine(text, e as Error)} (element ${element})`,
      hint: 'pkg-map must be JSON (not YAML)',
      cause: e,
    });
  }
  const where = `${file} (element ${element})`;
  const bad = (path: string, what: string): KilnError =>
    new KilnError(`pkg-map ${path} is ${what}`, {
      where,
      hint: 'sections are {"default": {name: mapped}, "family"|"distro": {key: {name: mapped}}, "release": {distro: {release: {name: mapped}}}}; mapped names are strings ("" = no package)',
    });
  const obj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  const nameMap = (v: unknown, path: string): NameMap => {
    if (!obj(v)) throw bad(path, 'not an object');
    for (const [k, val] of Object.entries(v)) {
      if (typeof val !== 'string') throw bad(`${path}.${k}`, 'not a string');
      if (/[=\n]/.test(k) || val.includes('\n')) throw bad(`${path}.${k}`, "a name with '=' or a newline");
    }
    return v as NameMap;
  };
  const nested = (v: unknown, path: string): Record<string, NameMap> => {
    if (!obj(v)) throw bad(path, 'not an object');
    return Object.fromEntries(Object.entries(v).map(([k, m]) => [k, nameMap(m, `${path}.${k}`)]));
  };
  if (!obj(raw)) throw bad('top level', 'not an object');
  const out: PkgMap = {};
  if ('default' in raw) out.default = nameMap(raw.default, 'default');
  if ('family' in raw) out.family = nested(raw.family, 'family');
  if ('distro' in raw) out.distro = nested(raw.distro, 'distro');
  if ('release' in raw) {
    const rel = raw.release;
    if (!obj(rel)) throw bad('release', 'not an object');
    out.release = Object.fromEntries(Object.entries(rel).map(([d, m]) => [d, nested(m, `release.${d}`)]));
  }
  return out;
}

/** The merged name map for one distro/release (what every lookup consults). */
export function resolvePkgMap(map: PkgMap, target: DistroRelease): NameMap {
  const family = osFamily(target.distro);
  const release = target.release === undefined ? undefined : osMajorRelease(target.release);
  return {
    ...map.default,
    ...(family === undefined ? {} : map.family?.[family]),
    ...map.distro?.[target.distro],
    ...(release === undefined ? {} : map.release?.[target.distro]?.[release]),
  };
}

/**
 * Map names as `pkg-map --element E [--missing-ok] names...`: a mapped "" drops the name; an unmapped
 * name passes through with missingOk, else it is an error. Returns the package names, in order.
 */
export function mapPackages(map: PkgMap, target: DistroRelease, names: string[], opts: { missingOk: boolean; element?: string }): string[] {
  const resolved = resolvePkgMap(map, target);
  const out: string[] = [];
  for (const name of names) {
    const mapped = Object.hasOwn(resolved, name) ? resolved[name] : undefined;
    if (mapped !== undefined) {
      if (mapped !== '') out.push(mapped);
    } else if (opts.missingOk) {
      out.push(name);
    } else {
      throw new KilnError(`${opts.element ?? 'pkg-map'} has no valid mapping for package ${name}`, {
        where: `pkg-map for ${target.distro}${target.release ? `/${target.release}` : ''}`,
        hint: `add "${name}" to the element's pkg-map (default, family, distro or release section)`,
      });
    }
  }
  return out;
}

function jsonErrorLine(text: string, e: Error): string {
  const lc = /line (\d+)/.exec(e.message);
  if (lc) return `:${lc[1]}`;
  const pos = /position (\d+)/.exec(e.message);
  if (!pos) return '';
  return `:${text.slice(0, Number(pos[1])).split('\n').length}`;
}
