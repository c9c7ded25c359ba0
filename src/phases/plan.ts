/**
 * The HookPlan: which scripts run in each phase, in order, and which element each came from.
 * Pure over a snapshot of the element directories, so it is golden-testable (`kiln plan`).
 * Rules (diskimage_builder/lib/img-functions run_d and dib-run-parts): scripts of all elements merge per phase; only executable regular files
 * (symlinks followed) named ^[0-9A-Za-z_-]+$ run; they sort globally like `LANG=C sort -n`; the same
 * file name in one phase directory of two elements is fatal. install.d/<prefix>-<type>-install/
 * directories join install.d when the element's install type is <type> (install-types).
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { KilnError, throwIfProblems } from '../errors.js';
import type { Element } from '../elements/element.js';
import { ENV_D_REGEX, PHASES, RUN_PARTS_REGEX, type PhaseName } from './phases.js';
import { compareSortN } from './sort.js';

export interface HookScript {
  /** file name, also its sort key */
  name: string;
  element: string;
  /** absolute path in the element directory */
  source: string;
  /** path relative to the merged hooks directory, e.g. install.d/50-foo or install.d/foo-source-install/50-foo */
  relPath: string;
}

export interface HookPlan {
  phases: Record<PhaseName, HookScript[]>;
  /** environment.d files, in the order they are sourced */
  environment: HookScript[];
  /** files in phase directories that will not run, with why (shown with -x) */
  ignored: { relPath: string; element: string; why: string }[];
}

export interface HookPlanOptions {
  /** DIB_DEFAULT_INSTALLTYPE */
  defaultInstallType: string;
  /** the build's environment, for DIB_INSTALLTYPE_<prefix> */
  env: Readonly<Record<string, string>>;
}

export function planHooks(elements: Element[], opts: HookPlanOptions): HookPlan {
  const phases = Object.fromEntries(PHASES.map((p) => [p.name, [] as HookScript[]])) as Record<PhaseName, HookScript[]>;
  const ignored: HookPlan['ignored'] = [];
  const environment: HookScript[] = [];
  const seen = new Map<string, string>();
  const problems: KilnError[] = [];
  const add = (list: HookScript[], s: HookScript) => {
    // an install-types script runs as if it were linked into install.d (DIB's install-types element
    // links them there), so its name must be unique among install.d's scripts too
    const key = `${s.relPath.split('/')[0]}/${s.name}`;
    const prev = seen.get(key);
    if (prev !== undefined) {
      problems.push(
        new KilnError(`There is a duplicated hook in your elements: ${s.relPath} is in both '${prev}' and '${s.element}'`, {
          where: s.source,
          hint: 'rename one of the scripts: hook names must be unique across all elements of a build',
        }),
      );
      return;
    }
    seen.set(key, s.element);
    list.push(s);
  };

  for (const el of elements) {
    for (const p of PHASES) {
      const dir = join(el.path, p.name);
      for (const f of listDir(dir)) {
        const full = join(dir, f);
        if (isDirectory(full)) {
          const m = /^(.+)-([^-]+)-install$/.exec(f);
          if (p.name === 'install.d' && m) {
            const wanted = opts.env[`DIB_INSTALLTYPE_${m[1]!.replace(/-/g, '_')}`] ?? opts.defaultInstallType;
            if (wanted !== m[2]) continue;
            for (const g of listDir(full)) {
              classify(el, full, g, `${p.name}/${f}/${g}`, phases[p.name], add, ignored);
            }
          }
          continue;
        }
        classify(el, dir, f, `${p.name}/${f}`, phases[p.name], add, ignored);
      }
    }
    const envDir = join(el.path, 'environment.d');
    for (const f of listDir(envDir)) {
      const full = join(envDir, f);
      if (!isFile(full)) continue;
      if (!ENV_D_REGEX.test(f)) {
        ignored.push({ relPath: `environment.d/${f}`, element: el.name, why: 'name does not match [0-9A-Za-z_.-]+' });
        continue;
      }
      add(environment, { name: f, element: el.name, source: full, relPath: `environment.d/${f}` });
    }
  }
  throwIfProblems('duplicated hooks', problems);
  for (const list of Object.values(phases)) list.sort((a, b) => compareSortN(a.name, b.name));
  environment.sort((a, b) => compareSortN(a.name, b.name));
  return { phases, environment, ignored };
}

function classify(
  el: Element,
  dir: string,
  f: string,
  relPath: string,
  list: HookScript[],
  add: (l: HookScript[], s: HookScript) => void,
  ignored: HookPlan['ignored'],
): void {
  const full = join(dir, f);
  if (!isFile(full)) return;
  if (!RUN_PARTS_REGEX.test(f)) {
    ignored.push({ relPath, element: el.name, why: 'name does not match ^[0-9A-Za-z_-]+$' });
    return;
  }
  if (!isExecutable(full)) {
    ignored.push({ relPath, element: el.name, why: 'not executable' });
    return;
  }
  add(list, { name: f, element: el.name, source: full, relPath });
}

function listDir(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch {
    return [];
  }
}

function isDirectory(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}
function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}
function isExecutable(p: string): boolean {
  try {
    return (statSync(p).mode & 0o111) !== 0;
  } catch {
    return false;
  }
}

/** The plan as plain JSON (element and relative path per script) for `kiln plan` and golden tests. */
export function formatHookPlan(plan: HookPlan): Record<string, string[]> {
  const out: Record<string, string[]> = { 'environment.d': plan.environment.map((s) => `${s.element}/${s.relPath}`) };
  for (const p of PHASES) out[p.name] = plan.phases[p.name].map((s) => `${s.element}/${s.relPath}`);
  return out;
}
