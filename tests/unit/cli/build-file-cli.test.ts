// Shell completion of build files: diskimage-builder's options, file names after it and after
// kiln build -f (no candidate: the shell completes files), and the scripts register it; its man page.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { PROPERTIES } from '../../../src/cli/build-file.js';
import { BUILD_FILE_OPTIONS } from '../../../src/cli/build-file-cli.js';
import { completionCandidates, completionScript } from '../../../src/cli/completion.js';
import { loadCommands } from '../../../src/cli/commands/index.js';
import { REPO } from '../../helpers/cli.js';
import { findTool } from '../../helpers/host-tools.js';

describe('completion of build files', async () => {
  const ctx = { commands: await loadCommands(), elementsPath: [] };
  it('diskimage-builder: its options; a file otherwise', () => {
    assert.deepEqual(completionCandidates(['diskimage-builder', '--j'], 1, ctx), ['--jobs', '--json']);
    assert.deepEqual(completionCandidates(['diskimage-builder', '--jobs', '2', ''], 3, ctx), []);
  });
  it('kiln build: -f and --file; after them a file', () => {
    assert.deepEqual(completionCandidates(['kiln', 'build', '--fi'], 2, ctx), ['--file']);
    assert.deepEqual(completionCandidates(['kiln', 'build', '-f', ''], 3, ctx), []);
  });
  it('the scripts register diskimage-builder', () => {
    assert.match(completionScript('bash'), /complete -o default -F _kiln_complete kiln disk-image-create diskimage-builder/);
    assert.match(completionScript('zsh'), /compdef _kiln kiln disk-image-create diskimage-builder/);
    assert.match(completionScript('fish'), /complete -c diskimage-builder -a/);
  });
});

describe('man/diskimage-builder.1', () => {
  it('renders without warnings and lists every option and key', { skip: findTool('man') || process.env.CI === 'true' ? false : 'man is not installed' }, () => {
    const r = spawnSync('man', ['--warnings', '-E', 'UTF-8', '-l', join(REPO, 'man/diskimage-builder.1')], {
      encoding: 'utf8',
      env: { ...process.env, MANWIDTH: '80', MAN_KEEP_FORMATTING: '' },
    });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, '', 'no groff warnings');
    for (const s of ['NAME', 'SYNOPSIS', 'OPTIONS', 'FILE FORMAT', 'EXIT STATUS']) assert.match(r.stdout, new RegExp(`^${s}$`, 'm'));
    for (const o of BUILD_FILE_OPTIONS) assert.match(r.stdout, new RegExp(`--${o.name}`));
    for (const p of PROPERTIES) assert.match(r.stdout, new RegExp(`^ {7}${p.key}( |$)`, 'm'), p.key);
  });
});
