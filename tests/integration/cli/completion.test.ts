// Shell completion: the bash script that `kiln completion bash` prints, sourced in a real bash with
// COMP_WORDS/COMP_CWORD set as bash sets them, completes commands, options and element names.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { runCli } from '../../helpers/cli.js';
import { findTool } from '../../helpers/host-tools.js';

const script = runCli('kiln', ['completion', 'bash']);

/** COMPREPLY after bash completes `words` with the cursor on the last word. */
function complete(words: string[], env: Record<string, string> = {}): string[] {
  const quoted = words.map((w) => `'${w}'`).join(' ');
  const prog = `${script.stdout}\nCOMP_WORDS=(${quoted}); COMP_CWORD=${words.length - 1}; _kiln_complete; printf '%s\\n' "\${COMPREPLY[@]}"`;
  const r = spawnSync('bash', ['--norc', '-c', prog], { encoding: 'utf8', env: { ...process.env, ...env } });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.split('\n').filter(Boolean);
}

describe('kiln completion bash', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kiln-completion-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('prints a script that registers the completion for kiln and disk-image-create', () => {
    assert.equal(script.status, 0, script.stderr);
    const r = spawnSync('bash', ['--norc', '-c', `${script.stdout}\ncomplete -p kiln; complete -p disk-image-create`], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /-F _kiln_complete kiln/);
    assert.match(r.stdout, /-F _kiln_complete disk-image-create/);
  });

  it('kiln bu<TAB> completes to build', () => {
    assert.deepEqual(complete(['kiln', 'bu']), ['build']);
    assert.ok(complete(['kiln', '']).includes('doctor'));
    assert.ok(!complete(['kiln', '']).includes('__complete'), 'the hidden command is not offered');
  });

  it("element names, Kiln's and from ELEMENTS_PATH", () => {
    assert.deepEqual(complete(['kiln', 'build', 'debian-mi']), ['debian-minimal']);
    assert.deepEqual(complete(['disk-image-create', '-t', 'raw', 'block-device-efi-l']), ['block-device-efi-lvm']);
    mkdirSync(join(dir, 'els', 'my-own-element'), { recursive: true });
    assert.deepEqual(complete(['kiln', 'build', 'vm', 'my-own'], { ELEMENTS_PATH: join(dir, 'els') }), ['my-own-element']);
    assert.deepEqual(complete(['kiln', 'elements', 'busybox-m']), ['busybox-minimal']);
  });

  it("each command's options, and the fixed arguments", () => {
    assert.deepEqual(complete(['kiln', 'build', '--image-si']), ['--image-size']);
    assert.ok(complete(['kiln', 'boot-test', '--']).includes('--uefi'));
    assert.ok(complete(['kiln', 'doctor', '--']).includes('--json'));
    assert.deepEqual(complete(['kiln', 'cache', '']), ['list', 'prune']);
    assert.deepEqual(complete(['kiln', 'completion', 'z']), ['zsh']);
  });

  it('no candidates where a file is wanted (bash falls back to file names)', () => {
    assert.deepEqual(complete(['kiln', 'boot-test', 'x']), []);
  });
});

const missing = (shell: string) => (findTool(shell) || process.env.CI === 'true' ? false : `${shell} is not installed`);

describe('kiln completion zsh and fish', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kiln-completion-sh-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('prints a zsh script that parses', { skip: missing('zsh') }, () => {
    const r = runCli('kiln', ['completion', 'zsh']);
    assert.equal(r.status, 0, r.stderr);
    writeFileSync(join(dir, '_kiln'), r.stdout);
    const check = spawnSync('zsh', ['-n', join(dir, '_kiln')], { encoding: 'utf8' });
    assert.equal(check.status, 0, check.stderr);
  });

  it('fish completes commands and element names with the printed script', { skip: missing('fish') }, () => {
    const r = runCli('kiln', ['completion', 'fish']);
    assert.equal(r.status, 0, r.stderr);
    const file = join(dir, 'kiln.fish');
    writeFileSync(file, r.stdout);
    const fish = (line: string) =>
      spawnSync('fish', ['--no-config', '-c', `source ${file}; complete -C '${line}'`], { encoding: 'utf8' })
        .stdout.split('\n')
        .filter(Boolean);
    assert.deepEqual(fish('kiln bu'), ['build']);
    assert.deepEqual(fish('kiln build debian-mi'), ['debian-minimal']);
    assert.deepEqual(fish('disk-image-create --image-si'), ['--image-size']);
  });
  it('refuses another shell with a usage error', () => {
    const r = runCli('kiln', ['completion', 'tcsh']);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /Choices: "bash", "zsh", "fish"/);
  });
});
