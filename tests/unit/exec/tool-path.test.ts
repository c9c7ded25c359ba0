/**
 * A command runs with the PATH the Runner searched for it: sbin included even when the caller's
 * PATH (a new user's login PATH) lacks it, so preflight's "found" and the run agree.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Runner } from '../../../src/exec/runner.js';
import { findTool, toolPath } from '../../../src/exec/tools.js';

const LOGIN_PATH = '/usr/local/bin:/usr/bin:/bin:/usr/games';

describe('tool PATH', () => {
  it('toolPath appends the sbin directories once, keeping the caller order', () => {
    assert.equal(toolPath(LOGIN_PATH), `${LOGIN_PATH}:/usr/local/sbin:/usr/sbin:/sbin`);
    assert.equal(toolPath('/usr/sbin:/usr/bin'), '/usr/sbin:/usr/bin:/usr/local/sbin:/sbin');
  });

  it('a command and the commands it runs see sbin on PATH although the caller PATH lacks it', async () => {
    const r = await new Runner().run('sh', ['-c', 'echo "$PATH"; command -v sfdisk'], { env: { PATH: LOGIN_PATH } });
    const [path, sfdisk] = r.stdout.trim().split('\n');
    assert.equal(path, toolPath(LOGIN_PATH));
    assert.equal(sfdisk, findTool('sfdisk', LOGIN_PATH));
    assert.match(sfdisk ?? '', /sbin\/sfdisk$/);
  });

  it('a wrapper (unshare-style execvp) finds an sbin tool by name', async () => {
    const r = await new Runner().run('env', ['sfdisk', '--version'], { env: { PATH: LOGIN_PATH } });
    assert.match(r.stdout, /sfdisk from util-linux/);
  });
});
