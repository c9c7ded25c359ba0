/**
 * The per-filter-set decision of DIB's package-installs-squash `collect_data` (diskimage_builder/elements/package-installs/bin/package-installs-squash), in
 * DIB's order: installtype, arch/not-arch, dib_python_version, when. The order matters because the
 * later checks can fail hard (arch+not-arch, an unset `when` variable) only when the earlier pass.
 */
import { KilnError } from '../errors.js';
import { describe, pyTruthy, type PackageParams, type RawValue } from './package-installs-parse.js';

export type PackageOp = 'install' | 'uninstall';

export interface PackageInstallsContext {
  /** the build's environment (DIB_INSTALLTYPE_*, DIB_DEFAULT_INSTALLTYPE, DIB_PYTHON_VERSION, `when` variables) */
  env: Record<string, string | undefined>;
  /** DIB's ARCH (e.g. amd64, arm64) */
  arch: string;
  /** overrides env DIB_DEFAULT_INSTALLTYPE when given; DIB's default is 'source' */
  defaultInstallType?: string;
}

export interface ParamsVerdict {
  phase: string;
  /** empty when the filter set does not apply */
  ops: PackageOp[];
}

/** DIB get_element_installtype: DIB_INSTALLTYPE_<element, '-' -> '_'>, else the default, else 'source'. */
export function elementInstallType(element: string, ctx: PackageInstallsContext): string {
  const def = ctx.defaultInstallType ?? ctx.env.DIB_DEFAULT_INSTALLTYPE ?? 'source';
  return ctx.env[`DIB_INSTALLTYPE_${element.replace(/-/g, '_')}`] ?? def;
}

export function evaluateParams(pkg: string, element: string, params: PackageParams, ctx: PackageInstallsContext, at: string): ParamsVerdict {
  const p = params.values;
  const rawPhase = p.has('phase') ? (p.get('phase') as RawValue) : 'install.d';
  const skip = { phase: '', ops: [] };
  // key presence, not value: `uninstall: false` still uninstalls; build-only wins over uninstall
  let ops: PackageOp[] = p.has('uninstall') ? ['uninstall'] : ['install'];
  if (p.has('build-only')) ops = ['install', 'uninstall'];

  const installtype = p.get('installtype') ?? null;
  if (installtype !== null && installtype !== elementInstallType(element, ctx)) return skip;

  if (!validForArch(pkg, p.get('arch') ?? null, p.get('not-arch') ?? null, ctx.arch, at)) return skip;

  const pyVersion = p.has('dib_python_version') ? pyStr(p.get('dib_python_version') as RawValue, pkg, at) : '';
  if (pyVersion !== '' && pyVersion !== (ctx.env.DIB_PYTHON_VERSION ?? '')) return skip;

  if (!evaluateWhen(p.has('when') ? (p.get('when') as RawValue) : null, pkg, ctx.env, at)) return skip;
  // only a used phase becomes a dict key in DIB, so only then can it fail
  return { phase: phaseKey(rawPhase, pkg, at), ops };
}

function validForArch(pkg: string, arch: RawValue, notArch: RawValue, current: string, at: string): boolean {
  if (arch === null && notArch === null) return true;
  if (pyTruthy(arch) && pyTruthy(notArch)) {
    throw new KilnError(`package '${pkg}': both arch and not-arch are set`, {
      where: at,
      hint: 'use either arch (install only on these) or not-arch (install everywhere else), not both',
    });
  }
  return pyTruthy(arch) ? inArchList(arch, 'arch') : !inArchList(notArch, 'not-arch');

  // DIB splits on ',' and discards the strip, so 'a, b' holds 'a' and ' b'
  function inArchList(list: RawValue, key: string): boolean {
    if (typeof list !== 'string') {
      throw new KilnError(`package '${pkg}': ${key} is ${describe(list)}, not a comma-separated string`, {
        where: at,
        hint: `write ${key}: amd64,arm64 (no spaces: DIB does not strip them)`,
      });
    }
    return list.split(',').includes(current);
  }
}

// Python's re `(?P<var>[\w]+)(\s*)(?P<op>=|!=)(\s*)(?P<val>.*)` with re.match (anchored at the start only)
const WHEN = /^([\p{L}\p{N}_]+)\s*(=|!=)\s*([^\n]*)/u;

/** `when`: a string or a list ANDed; every statement is evaluated (an unset variable is an error). */
export function evaluateWhen(statements: RawValue, pkg: string, env: Record<string, string | undefined>, at: string): boolean {
  if (statements === null) return true;
  const list = Array.isArray(statements) ? statements : [statements];
  let all = true;
  for (const s of list) {
    if (typeof s !== 'string') {
      throw new KilnError(`package '${pkg}': when statement is ${describe(s)}, not a string`, { where: at, hint: 'write when: VAR=value or VAR!=value' });
    }
    const m = WHEN.exec(s);
    if (!m) throw new KilnError(`package '${pkg}': malformed when line <${s}>`, { where: at, hint: 'write when: VAR=value or VAR!=value' });
    const [, name = '', op, val = ''] = m;
    const actual = env[name];
    if (actual === undefined) {
      throw new KilnError(`package '${pkg}': the variable <${name}> used in 'when' is not set`, {
        where: at,
        hint: `set ${name} in the build environment (DIB treats an unset variable as an error)`,
      });
    }
    if ((op === '=') !== (val === actual)) all = false;
  }
  return all;
}

/** json.dump turns a non-string dict key into text; lists and maps are unhashable in Python. */
function phaseKey(v: RawValue, pkg: string, at: string): string {
  if (typeof v === 'string') return v;
  if (v === null) return 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  throw new KilnError(`package '${pkg}': phase is ${describe(v)}`, { where: at, hint: 'use phase: pre-install.d, install.d or post-install.d' });
}

/** Python str() of a scalar. */
function pyStr(v: RawValue, pkg: string, at: string): string {
  if (typeof v === 'string') return v;
  if (v === null) return 'None';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  throw new KilnError(`package '${pkg}': dib_python_version is ${describe(v)}`, { where: at, hint: 'write dib_python_version: 3' });
}
