/**
 * Settings are declared once (src/config/settings/) and read by readSettings: library code never
 * reads process.env (only src/cli/ does, and hands the environment to the reader), and no module
 * outside src/config/ looks a variable up by name in an environment object.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import ts from 'typescript';

const SRC = resolve('src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((e) => {
      const p = join(dir, e);
      return statSync(p).isDirectory() ? sourceFiles(p) : p.endsWith('.ts') ? [p] : [];
    });
}

export interface EnvRead {
  line: number;
  text: string;
}

/** `process.env`, `process['env']` and `const { env } = process`, with their lines. */
export function processEnvReads(source: string): EnvRead[] {
  const sf = ts.createSourceFile('x.ts', source, ts.ScriptTarget.Latest, true);
  const found: EnvRead[] = [];
  const add = (n: ts.Node) => found.push({ line: sf.getLineAndCharacterOfPosition(n.getStart()).line + 1, text: n.getText() });
  const isProcess = (e: ts.Expression) =>
    (ts.isIdentifier(e) && e.text === 'process') ||
    (ts.isPropertyAccessExpression(e) && e.name.text === 'process' && ts.isIdentifier(e.expression) && e.expression.text === 'globalThis');
  const visit = (n: ts.Node): void => {
    if (ts.isPropertyAccessExpression(n) && n.name.text === 'env' && isProcess(n.expression)) add(n);
    if (ts.isElementAccessExpression(n) && isProcess(n.expression) && ts.isStringLiteralLike(n.argumentExpression) && n.argumentExpression.text === 'env')
      add(n);
    if (
      ts.isVariableDeclaration(n) &&
      n.initializer &&
      isProcess(n.initializer) &&
      ts.isObjectBindingPattern(n.name) &&
      n.name.elements.some((b) => (b.propertyName ?? b.name).getText() === 'env')
    )
      add(n);
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return found;
}

const ENV_NAME = /^([A-Z][A-Z0-9]*_[A-Z0-9_]*|PATH|HOME|ARCH|CI|break|break_cmd|break_outside_target)$/;

/** `env['DIB_X']` / `env.DIB_X` / `sourced['DISTRO_NAME']`: an environment object read by variable name (writes excepted). */
export function namedEnvReads(source: string): EnvRead[] {
  const sf = ts.createSourceFile('x.ts', source, ts.ScriptTarget.Latest, true);
  const found: EnvRead[] = [];
  const envLike = (e: ts.Expression) => /(^|\.)(env|\w*Env|sourced)$/i.test(e.getText());
  const isWrite = (n: ts.Node) => ts.isBinaryExpression(n.parent) && n.parent.left === n && n.parent.operatorToken.kind === ts.SyntaxKind.EqualsToken;
  const visit = (n: ts.Node): void => {
    const name =
      ts.isElementAccessExpression(n) && ts.isStringLiteralLike(n.argumentExpression)
        ? n.argumentExpression.text
        : ts.isPropertyAccessExpression(n)
          ? n.name.text
          : undefined;
    if (name !== undefined && ENV_NAME.test(name) && envLike((n as ts.ElementAccessExpression | ts.PropertyAccessExpression).expression) && !isWrite(n)) {
      found.push({ line: sf.getLineAndCharacterOfPosition(n.getStart()).line + 1, text: n.getText() });
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return found;
}

test('the finders find planted reads, and not writes or other objects', () => {
  const planted = [
    "const a = process.env['DIB_X'];",
    'const b = process.env.HOME;',
    "const c = process['env'];",
    'const { env } = process;',
    'const d = globalThis.process.env;',
  ].join('\n');
  assert.deepEqual(
    processEnvReads(planted).map((r) => r.line),
    [1, 2, 3, 4, 5],
  );
  assert.deepEqual(processEnvReads('const p = processes.env; const q = x.process;'), []);
  const named = [
    "const a = env['DIB_RELEASE'];",
    'const b = req.env.KILN_SEED;',
    "const c = sourced['DISTRO_NAME'];",
    "env['ROOT_LABEL'] = 'x';",
    "const d = opts['DIB_X'];",
    "const e = env['lower'];",
  ].join('\n');
  assert.deepEqual(
    namedEnvReads(named).map((r) => r.line),
    [1, 2, 3],
  );
});

/** Library files that may look at process.env, and why. */
const PROCESS_ENV_ALLOWED: Record<string, string> = {
  // the one module that starts processes: a child inherits process.env (execa's extendEnv), so the
  // command is looked up in the PATH the child will have
  'exec/runner.ts': 'the environment children inherit',
};

test('no process.env outside src/cli/ (the CLI reads it and hands it to readSettings)', () => {
  const files = sourceFiles(SRC);
  assert.ok(files.length > 100, 'src/ was found');
  const bad = files
    .filter((f) => !relative(SRC, f).startsWith('cli/') && !(relative(SRC, f) in PROCESS_ENV_ALLOWED))
    .flatMap((f) => processEnvReads(readFileSync(f, 'utf8')).map((r) => `src/${relative(SRC, f)}:${r.line}: ${r.text}`));
  assert.deepEqual(bad, [], 'library code receives values: declare the setting in src/config/settings/ and read it with readSettings');
});

/** Files that look variables up by name on purpose, and why. */
const NAMED_READS_ALLOWED: Record<string, string> = {
  // DIB's package-installs evaluates element data against the environment: `when: VAR=value`,
  // DIB_INSTALLTYPE_<element> and DIB_PYTHON_VERSION are looked up as the data names them
  'elements/package-installs-eval.ts': 'package-installs semantics',
  // the hooks' PATH inside the tree, from the hook environment Kiln itself built
  'phases/execute.ts': "Kiln's own hook environment",
  // a command is looked up in the PATH of the environment it is given
  'exec/runner.ts': 'the environment children get',
  // the layer cache decides as source-repositories does: NO_SOURCE_REPOSITORIES, DIB_REPO*_<name>
  'build/layer-key.ts': 'source-repositories semantics',
  // the build-file runner's plain-lines view when CI is set, as the build's own progress decides
  'cli/build-file-run.ts': 'the progress view, as src/cli/progress.ts',
  // kiln shell/run hands the caller's PATH and terminal settings to the sandbox
  'cli/commands/image-session.ts': 'the caller terminal',
};

test('no variable is read by name outside src/config/ (declare it; read it with readSettings)', () => {
  const bad = sourceFiles(SRC)
    .map((f) => relative(SRC, f))
    .filter((f) => !f.startsWith('config/') && !(f in NAMED_READS_ALLOWED))
    .flatMap((f) => namedEnvReads(readFileSync(join(SRC, f), 'utf8')).map((r) => `src/${f}:${r.line}: ${r.text}`));
  assert.deepEqual(bad, []);
});
