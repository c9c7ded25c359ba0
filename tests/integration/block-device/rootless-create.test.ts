/**
 * `kiln block-device create` as the unprivileged user kiln-test (subordinate ids, set up by
 * scripts/setup-test-user): no root, no loop device, and the owners inside the filesystems are the
 * tree's (0, 42, 1000), as mapped through the user namespace.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { REPO } from '../../helpers/block-device.js';
import { debugfs, extStat, isRoot, makeBdTree, sh } from './bd-tree.js';

const USER = 'kiln-test';
const CI = process.env.CI === 'true';
const skip = !isRoot && !CI ? 'needs root to switch to the kiln-test user (runuser)' : false;

function subRange(user: string): { uid: number; start: number } {
  if (spawnSync('id', ['-u', user]).status !== 0) {
    const r = spawnSync(join(REPO, 'scripts/setup-test-user'), { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
  }
  const uid = Number(spawnSync('id', ['-u', user], { encoding: 'utf8' }).stdout.trim());
  const line = readFileSync('/etc/subuid', 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${user}:`));
  assert.ok(line, `${user} has no /etc/subuid range`);
  return { uid, start: Number(line.split(':')[1]) };
}

/** A new Debian user's login PATH (/etc/login.defs ENV_PATH): no sbin, where mke2fs and sfdisk live. */
const LOGIN_PATH = '/usr/local/bin:/usr/bin:/bin:/usr/games';

describe('block-device create as an unprivileged user', { skip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'kiln-bd-rootless-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('writes a GPT image whose filesystems hold the tree with its owners (login PATH without sbin)', () => {
    const { uid, start } = subRange(USER);
    // the namespace maps 0 -> the user, N -> start + N - 1: the tree on the host uses those ids
    const shift = (id: number): number => (id === 0 ? uid : start + id - 1);
    chmodSync(dir, 0o755);
    chownSync(dir, uid, uid);
    const tree = join(dir, 'tree');
    makeBdTree(tree, shift);
    const config = join(dir, 'layout.yaml');
    writeFileSync(
      config,
      `- local_loop: {name: image0, size: 300MiB}
- partitioning:
    base: image0
    label: gpt
    partitions:
      - {name: BSP, type: 'EF02', size: 1MiB}
      - name: var
        size: 40MiB
        mkfs: {type: ext4, label: var, mount: {mount_point: /var, fstab: {}}}
      - name: root
        size: 100%
        mkfs: {name: mkfs_root, mount: {mount_point: /, fstab: {fsck-passno: 1}}}
`,
    );
    const image = join(dir, 'disk.raw');
    // runuser itself is in sbin: looked up with the test's PATH, the command gets the login PATH
    const runuser = spawnSync('sh', ['-c', 'command -v runuser'], { encoding: 'utf8' }).stdout.trim();
    const r = spawnSync(
      runuser,
      [
        '-u',
        USER,
        '--',
        process.execPath,
        join(REPO, 'dist/src/cli/kiln.js'),
        'block-device',
        'create',
        '--config',
        config,
        '--root',
        tree,
        '--output',
        image,
        '--quiet',
      ],
      { encoding: 'utf8', cwd: dir, env: { ...process.env, PATH: LOGIN_PATH, SOURCE_DATE_EPOCH: '1700000000' } },
    );
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
    assert.equal(r.stdout.trim(), image);
    const owner = spawnSync('stat', ['-c', '%u', image], { encoding: 'utf8' }).stdout.trim();
    assert.equal(Number(owner), uid, 'the image was written by the unprivileged user');
    assert.match(sh('sgdisk', ['-v', image]).out, /No problems found/);
    const parts = JSON.parse(sh('sfdisk', ['--json', image]).stdout).partitiontable.partitions as { start: number }[];
    const rootOff = parts[2]!.start * 512;
    const varOff = parts[1]!.start * 512;
    assert.equal(sh('e2fsck', ['-fn', `${image}?offset=${rootOff}`]).status, 0);
    assert.equal(sh('e2fsck', ['-fn', `${image}?offset=${varOff}`]).status, 0);
    assert.deepEqual(extStat(image, rootOff, '/etc/shadow'), { mode: 0o100640, uid: 0, gid: 42 });
    assert.deepEqual(extStat(image, rootOff, '/home/alice'), { mode: 0o040700, uid: 1000, gid: 1000 });
    assert.deepEqual(extStat(image, rootOff, '/etc/hostname'), { mode: 0o100644, uid: 0, gid: 0 });
    assert.match(debugfs(image, rootOff, 'cat /etc/fstab'), /^LABEL=cloudimg-rootfs \/ ext4 defaults 0 1\nLABEL=var \/var ext4 defaults 0 2\n$/);
    assert.equal(debugfs(image, varOff, 'cat /log/syslog'), 'log line\n');
    assert.equal(extStat(image, varOff, '/lib/x').link, '../log/syslog');
    // the tree is back in one piece, with its host-side owners
    assert.equal(readFileSync(join(tree, 'var/log/syslog'), 'utf8'), 'log line\n');
    assert.equal(Number(spawnSync('stat', ['-c', '%u', join(tree, 'home/alice')], { encoding: 'utf8' }).stdout.trim()), shift(1000));
  });
});
