/**
 * `kiln lint`: the checks DIB's dib-lint makes on an element repository, under dib-lint's check names
 * (so `# dib-lint: disable=NAME` lines and tox.ini's `[dib-lint] ignore = ...` keep working), plus
 * Kiln's own: dependencies that resolve, files in phase directories that would never run, and
 * package-installs / pkg-map / kiln-repo.yaml read by the same parsers a build uses.
 * Pure over the files: it runs nothing from the elements.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { parseDocument } from 'yaml';
import { isKilnError, type KilnError } from '../errors.js';
import { PHASES } from '../phases/phases.js';
import { planHooks } from '../phases/plan.js';
import type { Element } from './element.js';
import { parsePackageInstalls } from './package-installs-parse.js';
import { parseRepoManifest, REPO_MANIFEST } from './repos.js';
import { readElement } from './scan.js';
import { didYouMean } from './suggest.js';

export type Severity = 'error' | 'warning';

export interface LintProblem {
  /** path as given (relative to the working directory when under it) */
  file: string;
  line?: number;
  /** dib-lint's check name where it has one (sete, setu, indent, ...), else Kiln's */
  check: string;
  severity: Severity;
  message: string;
}

export interface LintOptions {
  /** element names that exist besides the linted ones (ELEMENTS_PATH and Kiln's own) */
  known: ReadonlySet<string>;
  /** checks ignored everywhere (tox.ini's [dib-lint] ignore) */
  ignore?: ReadonlySet<string>;
  /** shown paths are relative to this directory when under it */
  cwd?: string;
}

/** Every check, with what it looks for: `kiln lint --list` and docs/element-authoring.md. */
export const LINT_CHECKS: Record<string, string> = {
  readme: 'every element has a README.rst (or README.md)',
  executable: 'a file that starts with #! is executable',
  indent: 'shell scripts indent by multiples of 4 spaces',
  sortdeps: 'element-deps is sorted alphabetically',
  shebang: 'bash scripts start with #!/bin/bash, not /usr/bin/env',
  sete: 'bash scripts `set -e`',
  setu: 'bash scripts `set -u`',
  setpipefail: 'bash scripts `set -o pipefail`',
  dibdebugtrace: 'bash scripts follow DIB_DEBUG_TRACE',
  environment: 'environment.d files do not set -x and are not executable',
  exportsubst: '`export FOO=$(cmd)` hides the failure of cmd: assign, then export',
  safe_sudo: 'sudo in host phases works inside the tree ($TARGET_ROOT, $TMP_MOUNT_PATH...)',
  which: '`which` is not a shell builtin and is missing in small trees: use `command -v`',
  tabindent: 'no tab indentation',
  newline: 'files end with a newline',
  yaml: 'YAML files parse',
  'pkg-map': 'pkg-map files are JSON',
  'package-installs': 'package-installs.yaml is valid for a build (the build reads it the same way)',
  deps: 'element-deps and element-provides name elements that exist',
  notrun: 'files in phase directories run (executable, named [0-9A-Za-z_-]+)',
  repo: 'kiln-repo.yaml is valid',
};

const PACKAGE_KEYS = ['phase', 'uninstall', 'build-only', 'installtype', 'arch', 'not-arch', 'dib_python_version', 'when'];
const HOST_PHASES = /(^|\/)(root\.d|extra-data\.d|block-device\.d|finalise\.d|cleanup\.d)(\/|$)/;
const INDENT = /^( {4})* {1,3}[^ ]/;
const SUDO_OK = /(dib-lint: safe_sudo|^#|install-packages|TARGET_ROOT|IMAGE_BLOCK_DEVICE|TMP_MOUNT_PATH|TMP_IMAGE_PATH)/;

/** Is this directory an element (rather than a directory of elements)? */
export function looksLikeElement(dir: string): boolean {
  const files = ['element-deps', 'element-provides', 'package-installs.yaml', 'package-installs.json', 'pkg-map'];
  const dirs = ['environment.d', ...PHASES.map((p) => p.name)];
  return files.some((m) => isKind(join(dir, m), 'file')) || dirs.some((m) => isKind(join(dir, m), 'dir'));
}

function isKind(p: string, kind: 'file' | 'dir'): boolean {
  try {
    const st = statSync(p);
    return kind === 'file' ? st.isFile() : st.isDirectory();
  } catch {
    return false;
  }
}

/** The elements under DIR (an ELEMENTS_PATH entry), or DIR itself when it is one. */
export function elementsIn(dir: string): Element[] {
  if (looksLikeElement(dir)) return [readElement(dir)];
  return readdirSync(dir)
    .sort()
    .map((n) => join(dir, n))
    .filter((p) => !basename(p).startsWith('.') && statSync(p).isDirectory())
    .map((p) => readElement(p));
}

/** dib-lint's tox.ini `[dib-lint] ignore = a b` */
export function toxIgnores(dir: string): Set<string> {
  const file = join(dir, 'tox.ini');
  if (!existsSync(file)) return new Set();
  let section = '';
  for (const raw of readFileSync(file, 'utf8').split('\n')) {
    const l = raw.trim();
    const s = /^\[(.+)\]$/.exec(l);
    if (s) section = s[1]!.trim();
    else if (section === 'dib-lint') {
      const m = /^ignore\s*[=:]\s*(.*)$/.exec(l);
      if (m) return new Set(m[1]!.split(/[\s,]+/).filter(Boolean));
    }
  }
  return new Set();
}

export function lintRepository(dir: string, opts: LintOptions): LintProblem[] {
  const elements = elementsIn(dir);
  const problems: LintProblem[] = [];
  const show = (p: string) => {
    const r = opts.cwd ? relative(opts.cwd, p) : p;
    return r && !r.startsWith('..') ? r : p;
  };
  const known = new Set([...opts.known, ...elements.map((e) => e.name), ...elements.flatMap((e) => e.provides)]);
  const manifest = join(dir, REPO_MANIFEST);
  if (existsSync(manifest)) {
    const errs: KilnError[] = [];
    parseRepoManifest(readFileSync(manifest, 'utf8'), show(manifest), dir, errs);
    for (const e of errs) problems.push(fromKilnError(e, 'repo', show(manifest)));
  }
  for (const el of elements) problems.push(...lintElement(el, known, opts.ignore ?? new Set(), show));
  return problems.sort((a, b) => a.file.localeCompare(b.file) || (a.line ?? 0) - (b.line ?? 0) || a.check.localeCompare(b.check));
}

function lintElement(el: Element, known: ReadonlySet<string>, ignore: ReadonlySet<string>, show: (p: string) => string): LintProblem[] {
  const out: LintProblem[] = [];
  const add = (file: string, check: string, message: string, line?: number, severity: Severity = 'error') =>
    out.push({ file: show(file), check, severity, message, ...(line !== undefined ? { line } : {}) });
  if (!existsSync(join(el.path, 'README.rst')) && !existsSync(join(el.path, 'README.md'))) add(el.path, 'readme', `element '${el.name}' has no README.rst`);

  for (const file of walk(el.path)) {
    const rel = relative(el.path, file);
    const name = basename(file);
    const text = readText(file);
    if (text === undefined) continue; // binary data shipped by the element
    const lines = text.split('\n');
    const off = new Set([...ignore, ...disabledIn(lines)]);
    const check = (c: string) => !off.has(c);
    const first = lines[0] ?? '';
    const executable = isExecutable(file);
    // dib-lint's per-file checks skip documentation, YAML and Python modules (flake8's)
    const isDoc = /\.(rst|md|yaml|py)$/.test(name);
    const shebang = first.startsWith('#!') && !isDoc;

    if (name.startsWith('source-repository-') && text.length > 0 && !text.endsWith('\n') && check('newline'))
      add(file, 'newline', 'source-repository files must end with a newline (the last line is lost otherwise)');
    if (shebang && !executable && check('executable')) add(file, 'executable', 'starts with #! but is not executable', 1);
    if (shebang && !/python/.test(first) && check('indent')) {
      lines.forEach((l, i) => {
        if (INDENT.test(l)) add(file, 'indent', 'indent by multiples of 4 spaces', i + 1);
      });
    }
    if (name === 'element-deps' && check('sortdeps')) {
      const deps = lines.map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
      const sorted = [...deps].sort();
      const at = deps.findIndex((d, i) => d !== sorted[i]);
      if (at >= 0) add(file, 'sortdeps', `not sorted alphabetically: '${deps[at]}' comes before '${sorted[at]}' in sorted order`);
    }
    if (shebang && /^#!.*bash/.test(first) && first.trim() !== '#!/bin/bash' && check('shebang')) add(file, 'shebang', 'use #!/bin/bash for bash scripts', 1);
    if (shebang && /^#!\/bin\/bash/.test(first)) {
      if (check('sete') && !lines.some((l) => /^set -[^ ]*e/.test(l))) add(file, 'sete', 'does not `set -e`');
      if (check('setu') && !lines.some((l) => /^set -[^ ]*u/.test(l))) add(file, 'setu', 'does not `set -u`');
      if (check('setpipefail') && !lines.some((l) => /^set -o pipefail/.test(l))) add(file, 'setpipefail', 'does not `set -o pipefail`');
      if (check('dibdebugtrace') && !text.includes('DIB_DEBUG_TRACE'))
        // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell expansion
        add(file, 'dibdebugtrace', 'does not follow DIB_DEBUG_TRACE (`if [ ${DIB_DEBUG_TRACE:-0} -gt 0 ]; then set -x; fi`)');
    }
    if (!isDoc && /(^|\/)environment\.d\//.test(rel) && check('environment')) {
      const x = lines.findIndex((l) => /set -x/.test(l));
      if (x >= 0) add(file, 'environment', 'environment.d files are sourced: they must not set tracing', x + 1);
      if (executable) add(file, 'environment', 'environment.d files are sourced, not run: drop the executable bit');
    }
    if (!isDoc && check('exportsubst'))
      lines.forEach((l, i) => {
        if (/export .*\$\(/.test(l)) add(file, 'exportsubst', 'split the export from the assignment: `export X=$(cmd)` hides a failing cmd', i + 1);
      });
    if (!isDoc && HOST_PHASES.test(rel) && check('safe_sudo'))
      for (const { text: l, line } of readLines(lines))
        if (l.includes('sudo ') && !SUDO_OK.test(l)) add(file, 'safe_sudo', 'sudo on the host: make sure it acts inside the tree', line);
    if (!isDoc && check('which'))
      for (const { text: l, line } of readLines(lines))
        if (l.includes('which ') && !/(dib-lint: which|^#)/.test(l)) add(file, 'which', 'use `command -v` instead of which', line);
    if ((executable || name.endsWith('.rst')) && check('tabindent'))
      lines.forEach((l, i) => {
        if (/^ *\t/.test(l)) add(file, 'tabindent', 'tab indentation', i + 1);
      });
    if ((executable || name.endsWith('.rst')) && text.length > 0 && !text.endsWith('\n') && check('newline'))
      add(file, 'newline', 'no newline at the end of the file', lines.length);
    if (/\.ya?ml$/.test(name) && check('yaml')) {
      const doc = parseDocument(text);
      for (const e of doc.errors) add(file, 'yaml', e.message.split('\n')[0] ?? 'YAML error', e.linePos?.[0]?.line);
    }
    if (name === 'pkg-map' && !executable && check('pkg-map')) {
      try {
        JSON.parse(text);
      } catch (e) {
        add(file, 'pkg-map', `not valid JSON: ${(e as Error).message}`);
      }
    }
    if (/^package-installs(-[^/]*)?\.(yaml|json)$/.test(name) && dirname(file) === el.path && check('package-installs')) {
      try {
        // DIB ignores a key it does not know, so a misspelt one silently changes nothing
        for (const d of parsePackageInstalls(text, file, el.name).decls)
          for (const alt of d.alternatives)
            for (const k of alt.values.keys())
              if (!PACKAGE_KEYS.includes(String(k)))
                add(file, 'package-installs', `package '${d.pkg}': unknown key '${String(k)}'${didYouMean(String(k), PACKAGE_KEYS)}`, d.line, 'warning');
      } catch (e) {
        if (!isKilnError(e)) throw e;
        const p = fromKilnError(e, 'package-installs', show(file));
        // YAML syntax errors are the yaml check's
        if (!out.some((o) => o.file === p.file && o.check === 'yaml')) out.push(p);
      }
    }
  }

  for (const f of ['element-deps', 'element-provides']) {
    const file = join(el.path, f);
    if (!existsSync(file)) continue;
    const lines = readFileSync(file, 'utf8').split('\n');
    if (disabledIn(lines).has('deps') || ignore.has('deps')) continue;
    if (f === 'element-provides') continue; // what an element provides needs not exist elsewhere
    lines.forEach((l, i) => {
      const dep = l.replace(/#.*/, '').trim();
      if (dep !== '' && !known.has(dep)) add(file, 'deps', `element '${dep}' not found${didYouMean(dep, known)}`, i + 1);
    });
  }

  if (!ignore.has('notrun')) {
    const plan = planHooks([el], { defaultInstallType: 'package', env: {} });
    for (const x of plan.ignored) {
      const file = join(el.path, x.relPath);
      if (!isKind(file, 'file')) continue;
      // data files beside the hooks (foo.conf, bar.udev, an executable foo.sh a hook installs) are
      // common: flag a hook-named file that lacks its executable bit
      const meant = !isExecutable(file) && /^[0-9A-Za-z_-]+$/.test(basename(file));
      if (!meant || disabledIn(readFileSync(file, 'utf8').split('\n')).has('notrun')) continue;
      add(file, 'notrun', `will not run: ${x.why}`, undefined, 'warning');
    }
  }
  return out;
}

function fromKilnError(e: KilnError, check: string, file: string): LintProblem {
  const m = e.where ? /:(\d+)$/.exec(e.where) : null;
  return { file, check, severity: 'error', message: e.message, ...(m ? { line: Number(m[1]) } : {}) };
}

/** Lines as bash's `read` (without -r) gives them to dib-lint: continuations joined, leading blanks gone. */
function readLines(lines: string[]): { text: string; line: number }[] {
  const out: { text: string; line: number }[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = i + 1;
    let text = lines[i]!;
    while (text.endsWith('\\') && i + 1 < lines.length) text = text.slice(0, -1) + lines[++i]!;
    out.push({ text: text.trim(), line });
  }
  return out;
}

/** `# dib-lint: disable=sete setpipefail` */
function disabledIn(lines: string[]): Set<string> {
  const s = new Set<string>();
  for (const l of lines) {
    const m = /^# dib-lint: disable=(.*)$/.exec(l);
    if (m) for (const n of m[1]!.split(/\s+/).filter(Boolean)) s.add(n);
  }
  return s;
}

function* walk(dir: string): Generator<string> {
  for (const n of readdirSync(dir).sort()) {
    if (n === '.git' || n === '__pycache__') continue;
    const p = join(dir, n);
    let st: ReturnType<typeof statSync>;
    try {
      st = statSync(p);
    } catch {
      continue; // a dangling symlink
    }
    if (st.isDirectory()) yield* walk(p);
    else if (st.isFile()) yield p;
  }
}

function readText(file: string): string | undefined {
  const buf = readFileSync(file);
  if (buf.subarray(0, 8000).includes(0)) return undefined;
  return buf.toString('utf8');
}

function isExecutable(file: string): boolean {
  return (statSync(file).mode & 0o111) !== 0;
}
