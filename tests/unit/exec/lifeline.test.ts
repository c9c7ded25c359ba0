import { test } from 'node:test';
import assert from 'node:assert/strict';
import { missingCommand, ownsPidNamespace, tiedToKiln } from '../../../src/exec/lifeline.js';

const PDEATH = ['setpriv', '--pdeathsig', 'KILL', '--'];

test('tiedToKiln: a plain command gets the pdeathsig and a pid namespace (a user namespace keeping the uid when unprivileged)', () => {
  assert.deepEqual(tiedToKiln(['mke2fs', '-q', 'x'], true), [...PDEATH, 'unshare', '--pid', '--fork', '--kill-child', '--', 'mke2fs', '-q', 'x']);
  assert.deepEqual(tiedToKiln(['mke2fs'], false), [...PDEATH, 'unshare', '--map-current-user', '--pid', '--fork', '--kill-child', '--', 'mke2fs']);
});

test('tiedToKiln: a command that makes its own dying pid namespace only gets the pdeathsig (no nested user namespace)', () => {
  const own = ['unshare', '--map-auto', '--map-root-user', '--pid', '--fork', '--kill-child', '--', 'tar', 'x'];
  assert.deepEqual(tiedToKiln(own, false), [...PDEATH, ...own]);
  // a pid namespace without --kill-child would outlive unshare: wrapped like any command
  const weak = ['unshare', '--pid', '--fork', '--', 'sh'];
  assert.deepEqual(tiedToKiln(weak, true).slice(4, 9), ['unshare', '--pid', '--fork', '--kill-child', '--']);
  // options after `--` belong to the command, not to unshare
  assert.equal(ownsPidNamespace(['unshare', '--', 'x', '--pid', '--fork', '--kill-child']), false);
  assert.equal(ownsPidNamespace(['setsid', 'unshare', '--pid', '--fork', '--kill-child', '--']), false);
});

test("missingCommand: the wrappers' exec failure names the command; anything else is not one", () => {
  assert.equal(missingCommand(127, 'unshare: failed to execute mkfs.xfs: No such file or directory\n'), 'mkfs.xfs');
  assert.equal(missingCommand(127, 'setpriv: failed to execute qemu-img: No such file or directory'), 'qemu-img');
  assert.equal(missingCommand(127, 'bash: line 1: foo: command not found'), undefined, "a hook's own missing command is its failure");
  assert.equal(missingCommand(1, 'unshare: failed to execute x: No such file or directory'), undefined);
});
