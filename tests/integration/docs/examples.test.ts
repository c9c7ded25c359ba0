// Every shell example of README.md, docs/**/*.md and examples/**/README.md runs as written (the
// issue's acceptance: "a test extracts and runs them"). Each ```sh (or ```bash) block runs as one
// bash script, from a fresh directory (an example's README from a copy of its directory), with the
// repository's bin/ first on PATH and a fresh HOME. Each command is classified first, and an
// unknown kind of command fails the test until it is given a class below:
//  - cheap ones run for real: kiln's own commands (elements, plan, completion, doctor...), busybox
//    builds, build files whose images are all busybox, skopeo/jq/mkdir on what they made;
//  - Debian and RPM builds (minutes each) run as `kiln plan` with the same arguments and
//    environment: the arguments parse, the elements resolve, the block-device layout is valid
//    (and fits a given --image-size), the distro driver has what it needs (no bootstrap error);
//    build files as `--dry-run`, which checks the same;
//  - boot tests must be run by an e2e test (the mapping below, checked against that file);
//  - synopses (`[--option]`): every option they name is in the command's --help;
//  - `sudo apt-get install PKG...`: each package exists (apt-cache show);
//  - scripts/setup and npm test: what CI itself runs before and as the tests;
//  - hook snippets (blocks that use $TARGET_ROOT or $_LIB): bash -n.
// A placeholder path (/path/to/FILE) becomes a file the test makes; a build file's dry run must
// print no warning.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { after, describe, it } from 'node:test';
import { readBuildFiles } from '../../../src/cli/build-file.js';
import { BIN, REPO } from '../../helpers/cli.js';

interface Block {
  file: string;
  line: number;
  text: string;
}

function mdFiles(): string[] {
  const out = ['README.md'];
  const walk = (dir: string, keep: (name: string) => boolean) => {
    for (const n of readdirSync(join(REPO, dir)).sort()) {
      const rel = join(dir, n);
      if (statSync(join(REPO, rel)).isDirectory()) walk(rel, keep);
      else if (keep(n)) out.push(rel);
    }
  };
  walk('docs', (n) => n.endsWith('.md'));
  walk('examples', (n) => n === 'README.md');
  return out;
}

function shellBlocks(file: string, text: string): Block[] {
  const blocks: Block[] = [];
  const re = /^```(sh|bash)\n([\s\S]*?)^```/gm;
  for (let m = re.exec(text); m; m = re.exec(text)) blocks.push({ file, line: text.slice(0, m.index).split('\n').length, text: m[2]! });
  return blocks;
}

/** Pages whose shell blocks are one session, in order, and the test that runs them so. */
const RUN_AS_ONE_SCRIPT: Record<string, string> = {
  'docs/tutorial-elements.md': 'tests/integration/elements/tutorial.test.ts',
};

/** Boot tests of the docs and the e2e test that runs each (by its flags), with what that file must contain. */
const BOOTS: { flags: RegExp; test: string; needle: string }[] = [
  { flags: /^$/, test: 'tests/e2e/debian.test.ts', needle: "'boot-test'" },
  { flags: /^--uefi$/, test: 'tests/e2e/debian.test.ts', needle: "'--uefi'" },
  { flags: /^--uefi --check 'systemctl is-system-running --wait'$/, test: 'tests/e2e/debian.test.ts', needle: "'systemctl is-system-running --wait'" },
  { flags: /^--arch arm64$/, test: 'tests/e2e/cross-arch.test.ts', needle: "'arm64'" },
  { flags: /^--arch i386$/, test: 'tests/e2e/cross-arch.test.ts', needle: "'i386'" },
];

/** Commands of the docs that an e2e test runs (too slow for this test), with what that file must contain. */
const E2E_COMMANDS: { command: RegExp; test: string; needle: string }[] = [
  { command: /^scripts\/build-kiln-image\b/, test: 'tests/e2e/podman.test.ts', needle: "'scripts/build-kiln-image'" },
  { command: /^kiln (run|shell) \S+\.qcow2\b/, test: 'tests/integration/shell/shell-run.test.ts', needle: "'run'" },
  { command: /^podman load\b/, test: 'tests/e2e/podman.test.ts', needle: "'load'" },
  { command: /^podman run\b.* disk-image-create /, test: 'tests/e2e/podman.test.ts', needle: "'run'" },
];

type Kind =
  | { kind: 'run' }
  | { kind: 'e2e'; test: string; needle: string }
  | { kind: 'plan'; args: string }
  | { kind: 'dry-run'; command: string; args: string }
  | { kind: 'ci' }
  | { kind: 'apt'; packages: string[] }
  | { kind: 'boot'; test: string; needle: string }
  | { kind: 'synopsis'; command: string; options: string[] };

const RUN_PROGRAMS = /^(eval|mkdir|skopeo|export|cd|ls|jq|tar|qemu-img|sfdisk)\b/;
const RUN_KILN = /^(bin\/)?(kiln (elements|element-info|plan|completion|doctor|cache list|--help|--version|-h)|element-info)\b/;

/** What to do with one command (a line's part between &&), leading VAR=value words included. */
function classify(segment: string, cwd: string): Kind {
  const m = /^((?:[A-Za-z_][A-Za-z0-9_]*=\S*\s+)*)(.*)$/.exec(segment)!;
  const cmd = m[2]!.trim();
  const first = cmd.split(' | ')[0]!;
  if (/^scripts\/setup( --test)?$/.test(cmd) || cmd === 'npm test') return { kind: 'ci' };
  const apt = /^sudo apt-get install (.+)$/.exec(cmd);
  if (apt) return { kind: 'apt', packages: apt[1]!.split(/\s+/) };
  if (/ \[-/.test(cmd)) {
    const c = /^(?:bin\/)?(kiln(?: [a-z-]+){1,2}?) (?:--|\[)/.exec(cmd);
    assert.ok(c, `a synopsis of which command? ${cmd}`);
    return { kind: 'synopsis', command: c[1]!, options: [...cmd.matchAll(/--[a-z][a-z-]*/g)].map((x) => x[0]) };
  }
  const boot = /^(?:bin\/)?kiln boot-test \S+\s*(.*)$/.exec(cmd);
  if (boot) {
    const b = BOOTS.find((x) => x.flags.test(boot[1]!.trim()));
    assert.ok(b, `no e2e test is known to run: ${cmd} (add it to BOOTS)`);
    return { kind: 'boot', test: b.test, needle: b.needle };
  }
  const e2e = E2E_COMMANDS.find((x) => x.command.test(cmd));
  if (e2e) return { kind: 'e2e', test: e2e.test, needle: e2e.needle };
  const file = /^((?:bin\/)?(?:diskimage-builder|kiln build(?= -f))) (.*)$/.exec(first);
  if (file) {
    const args = file[2]!.split(/\s+/);
    const files = args.filter((a) => a.endsWith('.yaml'));
    const cheap = readBuildFiles(files.map((f) => join(cwd, f))).every((i) => i.args.includes('busybox-minimal') && !i.args.includes('-a'));
    return cheap || args.includes('--dry-run') ? { kind: 'run' } : { kind: 'dry-run', command: file[1]!, args: file[2]! };
  }
  const build = /^(?:bin\/)?(?:disk-image-create|kiln build) (.*)$/.exec(first);
  if (build) {
    const args = build[1]!;
    const cheap = /(^| )busybox-minimal( |$)/.test(args) && !/(^| )-a /.test(args);
    return cheap ? { kind: 'run' } : { kind: 'plan', args };
  }
  if (RUN_KILN.test(cmd) || RUN_PROGRAMS.test(cmd)) return { kind: 'run' };
  assert.fail(`no class for the command: ${cmd} (teach tests/integration/docs/examples.test.ts how to run it)`);
}

/** A shell line without its comment (a # after a blank, outside quotes). */
function stripComment(line: string): string {
  let q = '';
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (q) {
      if (c === q) q = '';
    } else if (c === '"' || c === "'") q = c;
    else if (c === '#' && (i === 0 || /\s/.test(line[i - 1]!))) return line.slice(0, i).trimEnd();
  }
  return line;
}

describe('the docs examples run as written', () => {
  const base = mkdtempSync(join(tmpdir(), 'kiln-docs-'));
  after(() => rmSync(base, { recursive: true, force: true }));
  const home = join(base, 'home');
  // README: "ELEMENTS_PATH=~/my-elements disk-image-create debian-minimal vm my-element": the reader's element
  mkdirSync(join(home, 'my-elements', 'my-element', 'install.d'), { recursive: true });
  writeFileSync(join(home, 'my-elements', 'my-element', 'install.d', '50-hello'), '#!/bin/sh\necho hello\n', { mode: 0o755 });
  const tmp = join(base, 'tmp');
  mkdirSync(tmp);
  const seen = { run: 0, plan: 0, boot: 0, other: 0 };

  for (const file of mdFiles()) {
    const own = RUN_AS_ONE_SCRIPT[file];
    if (own) {
      // a page whose blocks build on each other (a tutorial): its own test runs them in order
      it(`${file}: run in order by ${own}`, () => assert.ok(readFileSync(join(REPO, own), 'utf8').includes(file), `${own} runs ${file}`));
      continue;
    }
    const blocks = shellBlocks(file, readFileSync(join(REPO, file), 'utf8'));
    for (const [bi, block] of blocks.entries()) {
      it(`${file}:${block.line}`, () => {
        if (/\$\{?(TARGET_ROOT|_LIB)\b/.test(block.text)) {
          // a hook's code, not a command to type: it must at least be valid shell
          const r = spawnSync('bash', ['-n'], { input: block.text, encoding: 'utf8' });
          assert.equal(r.status, 0, r.stderr);
          seen.other++;
          return;
        }
        const cwd = join(base, `${file.replace(/[/.]/g, '_')}-${bi}`);
        if (file.startsWith('examples/')) cpSync(join(REPO, dirname(file)), cwd, { recursive: true });
        else mkdirSync(cwd);
        // "bin/kiln ..." runs from a clone: bin/ and examples/ are there, the outputs go beside them
        if (!existsSync(join(cwd, 'bin'))) symlinkSync(BIN, join(cwd, 'bin'));
        if (!existsSync(join(cwd, 'examples'))) symlinkSync(join(REPO, 'examples'), join(cwd, 'examples'));
        const plans = join(cwd, '.plans');
        mkdirSync(plans);
        const script: string[] = ['set -euo pipefail'];
        const checks: (() => void)[] = [];
        let planCount = 0;
        // the reader's own files (/path/to/KEY): files of this test
        const placeholders = join(cwd, '.placeholders');
        mkdirSync(placeholders);
        const text = block.text.replace(/\/path\/to\/([\w.-]+)/g, (_m, name: string) => {
          writeFileSync(join(placeholders, name), "a file of the reader's\n");
          return join(placeholders, name);
        });
        const lines = text
          .replace(/\\\n/g, ' ')
          .split('\n')
          .map(stripComment)
          .filter((l) => l.trim() !== '');
        for (const line of lines) {
          const out: string[] = [];
          for (const segment of line.split(' && ')) {
            const k = classify(segment.trim(), cwd);
            const env = /^((?:[A-Za-z_][A-Za-z0-9_]*=\S*\s+)*)/.exec(segment.trim())![1]!;
            switch (k.kind) {
              case 'run':
                seen.run++;
                out.push(segment);
                break;
              case 'plan': {
                seen.plan++;
                out.push(`${env}kiln plan ${k.args} > .plans/${planCount++}.json`);
                break;
              }
              case 'dry-run':
                seen.plan++;
                out.push(`${env}${k.command} --dry-run ${k.args} > /dev/null 2> .plans/dry-run-${planCount++}.txt`);
                break;
              case 'ci':
                out.push(': CI runs this itself');
                break;
              case 'e2e': {
                const test = readFileSync(join(REPO, k.test), 'utf8');
                checks.push(() => assert.ok(test.includes(k.needle), `${k.test} runs ${segment}`));
                out.push(`: run by ${k.test}`);
                break;
              }
              case 'apt':
                out.push(`apt-cache show ${k.packages.join(' ')} > /dev/null`);
                break;
              case 'boot': {
                seen.boot++;
                const test = readFileSync(join(REPO, k.test), 'utf8');
                checks.push(() => assert.ok(test.includes("'boot-test'") && test.includes(k.needle), `${k.test} boots the image (${segment})`));
                out.push(`: booted by ${k.test}`);
                break;
              }
              case 'synopsis': {
                seen.other++;
                const help = spawnSync(join(BIN, 'kiln'), [...k.command.split(' ').slice(1), '--help'], { encoding: 'utf8' });
                checks.push(() => {
                  assert.equal(help.status, 0, help.stderr);
                  for (const o of k.options) assert.ok(help.stdout.includes(o), `${k.command} --help lists ${o}`);
                });
                out.push(': a synopsis');
                break;
              }
            }
          }
          script.push(out.join(' && '));
        }
        const r = spawnSync('bash', ['-c', script.join('\n')], {
          cwd,
          encoding: 'utf8',
          env: { ...process.env, PATH: `${BIN}:${process.env.PATH}`, HOME: home, TMP_DIR: tmp, CI: 'true' },
          timeout: 300_000,
          maxBuffer: 64 << 20,
        });
        assert.equal(r.status, 0, `${file}:${block.line} as run:\n${script.join('\n')}\n--- stderr:\n${r.stderr.slice(-3000)}`);
        for (const c of checks) c();
        for (const p of readdirSync(plans)) {
          if (p.startsWith('dry-run-')) {
            assert.doesNotMatch(readFileSync(join(plans, p), 'utf8'), /warning/, `${file}:${block.line}: the dry run warns`);
            continue;
          }
          const plan = JSON.parse(readFileSync(join(plans, p), 'utf8')) as { bootstrap?: { plan?: { error?: string } } };
          assert.equal(plan.bootstrap?.plan?.error, undefined, `${file}:${block.line}: the distro driver can bootstrap (${relative(cwd, join(plans, p))})`);
        }
      });
    }
  }

  // build files shown in the docs (```yaml blocks that start with "- imagename:") pass --dry-run
  for (const file of mdFiles()) {
    const text = readFileSync(join(REPO, file), 'utf8');
    const re = /^```yaml\n(- imagename:[\s\S]*?)^```/gm;
    for (let m = re.exec(text); m; m = re.exec(text)) {
      const line = text.slice(0, m.index).split('\n').length;
      const body = m[1]!;
      it(`${file}:${line} (a build file)`, () => {
        const f = join(base, `${file.replace(/[/.]/g, '_')}-${line}.yaml`);
        writeFileSync(f, body);
        const r = spawnSync(join(BIN, 'diskimage-builder'), ['--dry-run', f], { cwd: base, encoding: 'utf8', env: { ...process.env, HOME: home, CI: 'true' } });
        assert.equal(r.status, 0, r.stderr);
        assert.doesNotMatch(r.stderr, /warning/);
        seen.other++;
      });
    }
  }

  it('a command of no known kind fails the test, and so does a boot no e2e test runs', () => {
    assert.throws(() => classify('frobnicate --all', base), /no class for the command: frobnicate --all/);
    assert.throws(() => classify('kiln boot-test x.qcow2 --memory 64', base), /no e2e test is known to run/);
    assert.deepEqual(classify('DIB_RELEASE=trixie disk-image-create debian-minimal vm -o x', base), { kind: 'plan', args: 'debian-minimal vm -o x' });
    assert.deepEqual(classify('disk-image-create -n busybox-minimal -t tar -o t', base), { kind: 'run' });
    assert.deepEqual(classify('disk-image-create -a arm64 -n busybox-minimal -o t', base).kind, 'plan');
    assert.equal(stripComment("echo '# not a comment' # a comment"), "echo '# not a comment'");
  });

  it('found examples of every kind (the extraction works)', () => {
    assert.ok(seen.run >= 10 && seen.plan >= 10 && seen.boot >= 3, JSON.stringify(seen));
    assert.ok(existsSync(join(REPO, 'README.md')));
  });
});
