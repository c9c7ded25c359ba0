// Shell completion of build files: diskimage-builder's options, file names after it and after
// kiln build -f (no candidate: the shell completes files), and the scripts register it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { completionCandidates, completionScript } from '../../../src/cli/completion.js';
import { loadCommands } from '../../../src/cli/commands/index.js';

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
