// A failed command's error starts with a sentence (the program and what happened), then its output,
// then the command line, shortened: mmdebstrap's and qemu-img's argv run to a thousand characters.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CommandError, programName } from '../../../src/exec/runner.js';

describe('CommandError', () => {
  it('names the program first, then its output, then the command', () => {
    const argv = ['mmdebstrap', ...Array.from({ length: 200 }, (_, i) => `--include=package-${i}`), 'bookworm', '/tmp/x'];
    const e = new CommandError(argv, 1, 'E: cannot reach the mirror\n', 'bootstrap');
    const lines = e.message.split('\n');
    assert.equal(lines[0], 'bootstrap: mmdebstrap failed with exit code 1');
    assert.equal(lines[1], '    E: cannot reach the mirror');
    assert.match(lines[2]!, /^ {2}command: mmdebstrap --include=package-0 /);
    assert.ok(lines[2]!.length < 450, `the command line is shortened (${lines[2]!.length})`);
    assert.match(lines[2]!, /more characters: --logfile or --debug shows the whole command\)$/);
    assert.deepEqual(e.argv, argv, 'the whole argv stays on the error');
  });

  it('keeps a short command whole', () => {
    const e = new CommandError(['qemu-img', 'info', 'x.qcow2'], undefined, '', undefined, 'SIGKILL');
    assert.equal(e.message, 'qemu-img was killed by SIGKILL\n  command: qemu-img info x.qcow2');
  });

  it('looks through the wrappers Kiln puts in front', () => {
    assert.equal(programName(['unshare', '--map-auto', '--map-root-user', '--pid', '--fork', '--', 'mke2fs', '-d', 'x']), 'mke2fs');
    assert.equal(programName(['setpriv', '--pdeathsig', 'KILL', '--', 'unshare', '--pid', '--', '/usr/bin/tar', 'x']), 'tar');
    assert.equal(programName(['sh', '/opt/kiln/libexec/kiln-sandbox', '/tree', 'cmd']), 'kiln-sandbox');
    assert.equal(programName(['/usr/sbin/sfdisk']), 'sfdisk');
  });
});
