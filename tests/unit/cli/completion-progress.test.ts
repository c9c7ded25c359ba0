// Pure parts of the CLI: completion candidates for each position, and empty phases folded for progress.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { completionCandidates } from '../../../src/cli/completion.js';
import { loadCommands } from '../../../src/cli/commands/index.js';
import { BUILTIN_ELEMENTS } from '../../../src/cli/paths.js';
import { emptyPhasesLine, foldEmptyPhases } from '../../../src/cli/progress.js';

describe('completionCandidates', async () => {
  const ctx = { commands: await loadCommands(), elementsPath: [BUILTIN_ELEMENTS] };
  const c = (words: string[]) => completionCandidates(words, words.length - 1, ctx);
  it('commands, sorted, starting with what is typed', () => {
    assert.deepEqual(c(['kiln', 'd']), ['diff', 'doctor']);
  });
  it('the options of a subcommand', () => {
    assert.deepEqual(c(['kiln', 'plan', 'block-device', '--c']), ['--config']);
    assert.ok(c(['kiln', 'block-device', 'create', '--']).includes('--output'));
  });
  it('plan takes block-device or elements first, elements after', () => {
    assert.deepEqual(c(['kiln', 'plan', 'block-device-efi-']), ['block-device-efi-4k', 'block-device-efi-lvm']);
    assert.ok(c(['kiln', 'plan', '']).includes('block-device'));
    assert.ok(!c(['kiln', 'plan', 'vm', '']).includes('block-device'));
  });
  it('a global option before the command is skipped', () => {
    assert.deepEqual(c(['kiln', '--debug', 'bu']), ['build']);
  });
});

describe('foldEmptyPhases', () => {
  it('folds each run of phases without scripts into one group; stages and phases with scripts stay', () => {
    const s = (id: string, scripts?: string[]) => ({ id, title: id, ...(scripts ? { scripts } : {}) });
    const folded = foldEmptyPhases([
      s('root.d', ['a']),
      s('extra-data.d', []),
      s('check'),
      s('pre-install.d', []),
      s('install.d', []),
      s('finalise', undefined),
    ]);
    assert.deepEqual(
      folded.map((x) => (Array.isArray(x) ? x.map((y) => y.id) : x.id)),
      ['root.d', ['extra-data.d'], 'check', ['pre-install.d', 'install.d'], 'finalise'],
    );
    assert.equal(emptyPhasesLine([s('a.d', [])]), 'a.d: no scripts');
    assert.equal(emptyPhasesLine([s('a.d', []), s('b.d', [])]), '2 phases without scripts: a.d, b.d');
  });
});
