import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { checkDirectoryTarget, checkFileTarget } from '../../../src/build/path-checks.js';

const tmp = mkdtempSync(join(tmpdir(), 'kiln-path-checks-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
const use = (path: string) => ({ path, where: `X=${path}`, hint: 'pick another' });
const msg = async (p: Promise<{ message: string } | undefined>): Promise<string | undefined> => (await p)?.message;
const devIsDevtmpfs = readFileSync('/proc/self/mountinfo', 'utf8')
  .split('\n')
  .some((l) => l.split(' ')[4] === '/dev' && / - devtmpfs /.test(l));

describe('path checks', () => {
  it('accept a directory to create under a writable one, and a new or existing file', async () => {
    assert.equal(await checkDirectoryTarget(use(join(tmp, 'a/b/c'))), undefined);
    assert.equal(await checkFileTarget(use(join(tmp, 'new.log'))), undefined);
    assert.equal(await checkFileTarget(use('/dev/null')), undefined, 'a device is a fine log file');
  });
  it('refuse kernel pseudo filesystems by type, naming the variable', async () => {
    const e = await checkDirectoryTarget(use('/proc/kiln-nothing/x'));
    assert.equal(e?.message, '/proc is on a proc filesystem (a kernel interface, not storage)');
    assert.equal(e?.where, 'X=/proc/kiln-nothing/x');
    assert.equal(e?.hint, 'pick another');
    assert.match((await msg(checkDirectoryTarget(use('/sys/kiln-nothing')))) ?? '', /^\/sys is on a sysfs filesystem/);
    assert.match((await msg(checkFileTarget(use('/proc/kiln-nothing/log')))) ?? '', /^\/proc is on a proc filesystem/);
  });
  it('tell devtmpfs from tmpfs', { skip: devIsDevtmpfs ? false : '/dev is not devtmpfs here' }, async () => {
    assert.match((await msg(checkDirectoryTarget(use('/dev/kiln-nothing')))) ?? '', /^\/dev is on a devtmpfs filesystem/);
  });
  it('refuse a file where a directory is needed, and a directory as a file', async () => {
    writeFileSync(join(tmp, 'f'), '');
    assert.equal(await msg(checkDirectoryTarget(use(join(tmp, 'f/sub')))), `${join(tmp, 'f')} is not a directory`);
    assert.equal(await msg(checkFileTarget(use(tmp))), `${tmp} is a directory`);
  });
  it('do not require writing where asked not to', async () => {
    assert.equal(await checkDirectoryTarget(use('/proc/kiln-nothing'), { mustBeWritable: false }).then((e) => !!e), true, 'still not on /proc');
    assert.equal(await checkDirectoryTarget(use(join(tmp, 'a')), { mustBeWritable: false }), undefined);
  });
});
