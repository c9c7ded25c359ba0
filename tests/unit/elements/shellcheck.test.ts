/**
 * The project's shell lint: shellcheck -x over every shell script in elements/ (hooks, bin/,
 * static/ files with a shell shebang) and every environment.d file (sourced by bash), of every
 * element, whoever wrote it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findTool } from '../../helpers/host-tools.js';

const ELEMENTS = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../elements');

function walk(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir).sort()) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) walk(p, out);
    else out.push(p);
  }
  return out;
}

function firstLine(p: string): string {
  return readFileSync(p, 'utf8').split('\n', 1)[0] ?? '';
}

export function elementShellFiles(root = ELEMENTS): { scripts: string[]; envFiles: string[] } {
  const files = walk(root).filter((p) => !p.includes('/test-elements/'));
  const envFiles = files.filter((p) => /\/environment\.d\/[^/]+$/.test(p));
  const scripts = files.filter(
    (p) =>
      (!envFiles.includes(p) && /^#!\s*\S*\b(ba|da)?sh\b/.test(firstLine(p))) ||
      (!envFiles.includes(p) && /^#!\s*\/usr\/bin\/env\s+(ba)?sh\b/.test(firstLine(p))),
  );
  return { scripts, envFiles };
}

const skip = !findTool('shellcheck') && process.env.CI !== 'true' ? 'shellcheck is not installed' : false;

test('every element shell script and environment.d file passes shellcheck -x', { skip }, () => {
  const { scripts, envFiles } = elementShellFiles();
  assert.ok(scripts.length >= 20, `found only ${scripts.length} shell scripts under ${ELEMENTS}`);
  const problems: string[] = [];
  const run = (args: string[], files: string[]) => {
    if (files.length === 0) return;
    // one file per invocation so that -x resolves `source` relative to each script's directory
    for (const f of files) {
      const r = spawnSync('shellcheck', ['-x', '-f', 'gcc', ...args, f], { cwd: dirname(f), encoding: 'utf8' });
      if (r.error) throw r.error;
      if (r.status !== 0) problems.push(`${relative(ELEMENTS, f)}:\n${r.stdout.trim() || r.stderr.trim()}`);
    }
  };
  run([], scripts);
  run(['-s', 'bash'], envFiles);
  assert.equal(problems.length, 0, `shellcheck found problems:\n${problems.join('\n')}`);
});

test('the file finder sees hooks, bin/ and environment.d files, and skips data files', () => {
  const { scripts, envFiles } = elementShellFiles();
  const rel = (l: string[]) => l.map((p) => relative(ELEMENTS, p));
  assert.ok(rel(scripts).includes('dpkg/bin/install-packages'));
  assert.ok(rel(scripts).includes('debian-minimal/finalise.d/60-debian-initramfs'));
  assert.ok(rel(envFiles).includes('debian-minimal/environment.d/10-debian-minimal.bash'));
  assert.ok(!rel(scripts).some((p) => p.endsWith('.rules') || p.endsWith('.service') || p.endsWith('README.rst')));
});

test('the DIB shell libraries hooks source from $_LIB (libexec/dib-lib) pass shellcheck -x', { skip }, () => {
  const lib = resolve(ELEMENTS, '../libexec/dib-lib');
  const files = readdirSync(lib).sort();
  assert.deepEqual(files, ['common-functions', 'die', 'img-functions']);
  for (const f of files) {
    const r = spawnSync('shellcheck', ['-x', '-s', 'bash', '-f', 'gcc', f], { cwd: lib, encoding: 'utf8' });
    assert.equal(r.status, 0, `${f}:\n${r.stdout}${r.stderr}`);
  }
});
