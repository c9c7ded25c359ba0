/**
 * Fakeroot mode, as the user kiln-nosub (no subordinate ids; scripts/setup-test-user): owners the
 * user namespace cannot hold are recorded in a fakeroot database and come out in the filesystems and
 * the tar. Without the mode these runs fail (no subordinate id range); with a namespace but without
 * fakeroot the 1000:1000 and 0:42 owners below could not exist.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { REPO } from '../../helpers/block-device.js';
import { FIXTURE_ELEMENTS, runCli } from '../../helpers/cli.js';
import { debugfs, extract, extStat, isRoot, makeBdTree, sh } from '../block-device/bd-tree.js';

const USER = 'kiln-nosub';
const CI = process.env.CI === 'true';
const skip = !isRoot && !CI ? 'needs root to switch to the kiln-nosub user (runuser)' : false;
/** A new Debian user's login PATH: no sbin. */
const LOGIN_PATH = '/usr/local/bin:/usr/bin:/bin:/usr/games';

function asUser(argv: string[], cwd: string): { status: number; out: string; stdout: string } {
  const r = spawnSync('runuser', ['-u', USER, '--', 'env', `PATH=${LOGIN_PATH}`, `HOME=/home/${USER}`, ...argv], { encoding: 'utf8', cwd });
  return { status: r.status ?? -1, out: `${r.stdout}\n${r.stderr}`, stdout: r.stdout };
}

/** The user, created without subordinate ids if missing; its uid. */
function nosubUser(): number {
  if (spawnSync('id', ['-u', USER]).status !== 0 || readFileSync('/etc/subuid', 'utf8').includes(`\n${USER}:`)) {
    const r = spawnSync(join(REPO, 'scripts/setup-test-user'), { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
  }
  for (const f of ['/etc/subuid', '/etc/subgid']) {
    assert.ok(!`\n${readFileSync(f, 'utf8')}`.includes(`\n${USER}:`), `${USER} must have no range in ${f}`);
  }
  return Number(spawnSync('id', ['-u', USER], { encoding: 'utf8' }).stdout.trim());
}

const LAYOUT = `- local_loop: {name: image0, size: 200MiB}
- partitioning:
    base: image0
    label: gpt
    partitions:
      - name: ESP
        type: 'EF00'
        size: 16MiB
        mkfs: {type: vfat, mount: {mount_point: /boot/efi, fstab: {}}}
      - name: var
        size: 40MiB
        mkfs: {type: ext4, label: var, mount: {mount_point: /var, fstab: {}}}
      - name: root
        size: 100%
        mkfs: {name: mkfs_root, type: ext4, mount: {mount_point: /, fstab: {fsck-passno: 1}}}
`;

describe('fakeroot mode: a user without subordinate ids', { skip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'kiln-fakeroot-mode-'));
  let uid = -1;
  before(() => {
    uid = nosubUser();
    chmodSync(dir, 0o755);
    chownSync(dir, uid, uid);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** The partitions' byte offsets and sizes, and the image checked as a whole. */
  function checkDisk(image: string): { esp: number; espSize: number; varOff: number; rootOff: number } {
    assert.equal(statSync(image).uid, uid, 'written by the user');
    assert.match(sh('sgdisk', ['-v', image]).out, /No problems found/);
    const parts = JSON.parse(sh('sfdisk', ['--json', image]).stdout).partitiontable.partitions as { start: number; size: number }[];
    assert.equal(parts.length, 3);
    const [esp, v, r] = parts.map((p) => ({ off: p.start * 512, size: p.size * 512 }));
    for (const p of [v!, r!]) assert.equal(sh('e2fsck', ['-fn', `${image}?offset=${p.off}`]).status, 0, 'ext4 fsck-clean');
    const espFile = extract(image, esp!.off, esp!.size, join(dir, 'esp.img'));
    const fat = sh('fsck.vfat', ['-n', espFile]);
    assert.equal(fat.status, 0, fat.out);
    assert.match(sh('mdir', ['-b', '-i', espFile, '::/EFI/BOOT']).out, /BOOTX64\.EFI/);
    return { esp: esp!.off, espSize: esp!.size, varOff: v!.off, rootOff: r!.off };
  }

  function createDisk(name: string, extra: string[]): string {
    const image = join(dir, `${name}.raw`);
    const r = asUser(
      [
        process.execPath,
        join(REPO, 'dist/src/cli/kiln.js'),
        'block-device',
        'create',
        '--config',
        'layout.yaml',
        '--root',
        name,
        '--output',
        image,
        '--quiet',
        ...extra,
      ],
      dir,
    );
    assert.equal(r.status, 0, r.out);
    assert.equal(r.stdout.trim(), image);
    return image;
  }

  it('block-device create: a GPT disk with vfat and two ext4 from a tree the user owns, every file root-owned', () => {
    writeFileSync(join(dir, 'layout.yaml'), LAYOUT);
    const tree = join(dir, 'plain');
    makeBdTree(tree, () => uid);
    const image = createDisk('plain', []);
    const { varOff, rootOff } = checkDisk(image);
    assert.deepEqual(extStat(image, rootOff, '/'), { mode: 0o040755, uid: 0, gid: 0 });
    assert.deepEqual(extStat(image, rootOff, '/home/alice'), { mode: 0o040700, uid: 0, gid: 0 });
    assert.deepEqual(extStat(image, rootOff, '/etc/shadow'), { mode: 0o100640, uid: 0, gid: 0 });
    assert.deepEqual(extStat(image, varOff, '/log/syslog'), { mode: 0o100644, uid: 0, gid: 0 });
    assert.equal(statSync(join(tree, 'home/alice')).uid, uid, 'the tree keeps its owner on the host');
  });

  it('plan block-device measures the tree; a missing --fakeroot-db is a user error', () => {
    const plan = asUser([process.execPath, join(REPO, 'dist/src/cli/kiln.js'), 'plan', 'block-device', '--config', 'layout.yaml', '--root', 'plain'], dir);
    assert.equal(plan.status, 0, plan.out);
    assert.match(plan.stdout, /fs mkfs_root: ext4/);
    const kiln = [process.execPath, join(REPO, 'dist/src/cli/kiln.js'), 'block-device', 'create', '--config', 'layout.yaml', '--root', 'plain'];
    const r = asUser([...kiln, '--output', join(dir, 'none.raw'), '--fakeroot-db', 'missing.db'], dir);
    assert.equal(r.status, 1, r.out);
    assert.match(r.out, /error: --fakeroot-db missing\.db: missing\.db does not exist\n\s+hint: give the file that fakeroot -s wrote/);
  });

  it('block-device create --fakeroot-db: the owners, modes and device nodes fakeroot recorded', () => {
    const tree = join(dir, 'faked');
    makeBdTree(tree, () => uid);
    const db = join(dir, 'faked.db');
    const rec = asUser(
      [
        'fakeroot',
        '-s',
        db,
        '--',
        'sh',
        '-euc',
        'chown -R 1000:1000 faked/home/alice; chgrp 42 faked/etc/shadow; mknod faked/etc/null c 1 3; chmod 4755 faked/usr/bin/tool',
      ],
      dir,
    );
    assert.equal(rec.status, 0, rec.out);
    const recorded = readFileSync(db, 'utf8');
    const image = createDisk('faked', ['--fakeroot-db', db]);
    const { varOff, rootOff } = checkDisk(image);
    assert.deepEqual(extStat(image, rootOff, '/home/alice'), { mode: 0o040700, uid: 1000, gid: 1000 });
    assert.deepEqual(extStat(image, rootOff, '/home/alice/notes.txt'), { mode: 0o100600, uid: 1000, gid: 1000 });
    assert.deepEqual(extStat(image, rootOff, '/etc/shadow'), { mode: 0o100640, uid: 0, gid: 42 });
    assert.deepEqual(extStat(image, rootOff, '/usr/bin/tool'), { mode: 0o104755, uid: 0, gid: 0 });
    assert.deepEqual(extStat(image, rootOff, '/etc/hostname'), { mode: 0o100644, uid: 0, gid: 0 });
    assert.match(debugfs(image, rootOff, 'stat /etc/null'), /Type: character special[\s\S]*User:\s+0\s+Group:\s+0[\s\S]*Device major\/minor number: 01:03/);
    assert.deepEqual(extStat(image, varOff, '/log/syslog'), { mode: 0o100644, uid: 0, gid: 0 });
    assert.match(debugfs(image, rootOff, 'cat /etc/fstab'), /^LABEL=cloudimg-rootfs \/ ext4 defaults 0 1\n/);
    assert.equal(readFileSync(db, 'utf8'), recorded, 'the given database is read, not changed');
    assert.equal(statSync(join(tree, 'home/alice')).uid, uid, 'on the host the files stay the user’s');
  });

  it('block-device create --fakeroot-db with xfs (made from a protofile Kiln writes from the tree listing)', () => {
    writeFileSync(
      join(dir, 'xfs.yaml'),
      `- local_loop: {name: image0, size: 400MiB}
- partitioning:
    base: image0
    label: gpt
    partitions:
      - name: root
        size: 100%
        mkfs: {name: mkfs_root, type: xfs, mount: {mount_point: /, fstab: {}}}
`,
    );
    const tree = join(dir, 'xfstree');
    makeBdTree(tree, () => uid);
    const db = join(dir, 'xfs.db');
    const rec = asUser(
      ['fakeroot', '-s', db, '--', 'sh', '-euc', 'chown -R 1000:1000 xfstree/home/alice; chgrp 42 xfstree/etc/shadow; mknod xfstree/etc/null c 1 3'],
      dir,
    );
    assert.equal(rec.status, 0, rec.out);
    const image = join(dir, 'xfs.raw');
    const r = asUser(
      [
        process.execPath,
        join(REPO, 'dist/src/cli/kiln.js'),
        'block-device',
        'create',
        '--config',
        'xfs.yaml',
        '--root',
        'xfstree',
        '--output',
        image,
        '--quiet',
        '--fakeroot-db',
        db,
      ],
      dir,
    );
    assert.equal(r.status, 0, r.out);
    const part = JSON.parse(sh('sfdisk', ['--json', image]).stdout).partitiontable.partitions[0] as { start: number; size: number };
    const fs = extract(image, part.start * 512, part.size * 512, join(dir, 'root.xfs'));
    assert.equal(sh('xfs_repair', ['-n', fs]).status, 0);
    const stat = (path: string): string => sh('xfs_db', ['-r', '-c', `path ${path}`, '-c', 'print core.mode core.uid core.gid', fs]).stdout;
    assert.match(stat('/home/alice/notes.txt'), /core\.mode = 0100600\ncore\.uid = 1000\ncore\.gid = 1000/);
    assert.match(stat('/etc/shadow'), /core\.mode = 0100640\ncore\.uid = 0\ncore\.gid = 42/);
    assert.match(stat('/etc/null'), /core\.mode = 020644\ncore\.uid = 0\ncore\.gid = 0/);
    assert.match(stat('/etc/hostname'), /core\.uid = 0\ncore\.gid = 0/);
  });

  it('a busybox-minimal build to tar and raw: root-owned files and the shadow group in both', () => {
    const out = join(dir, 'build');
    const r = asUser(['mkdir', '-p', out], dir);
    assert.equal(r.status, 0, r.out);
    const b = runCli('disk-image-create', ['-n', 'busybox-minimal', '-t', 'tar,raw', '-o', join(out, 'bb')], {
      env: { TMP_DIR: out, HOME: `/home/${USER}` },
      user: USER,
    });
    assert.equal(b.status, 0, b.stderr);
    assert.match(b.stderr, /kiln-nosub has no subordinate id range of 65536 ids in \/etc\/subuid: the tree's owners are recorded in a fakeroot database/);
    const list = spawnSync('tar', ['--numeric-owner', '-tvf', join(out, 'bb.tar')], { encoding: 'utf8' })
      .stdout.trim()
      .split('\n');
    assert.ok(list.length > 100, 'the busybox tree is in the tar');
    const owners = list.map((l) => `${l.split(/\s+/)[1]} ${l.split(/\s+/).slice(5).join(' ')}`);
    assert.deepEqual(
      owners.filter((o) => !o.startsWith('0/0 ')),
      ['0/42 ./etc/shadow'],
      'every file 0/0 but the shadow group',
    );
    assert.match(list.find((l) => l.endsWith(' ./bin/busybox'))!, /^-rwxr-xr-x 0\/0 /);
    // -n without a block-device element: the raw image is the root filesystem itself
    const raw = join(out, 'bb.raw');
    assert.equal(sh('e2fsck', ['-fn', raw]).status, 0);
    assert.deepEqual(extStat(raw, 0, '/etc/shadow'), { mode: 0o100640, uid: 0, gid: 42 });
    assert.deepEqual(extStat(raw, 0, '/bin/busybox'), { mode: 0o100755, uid: 0, gid: 0 });
    assert.deepEqual(extStat(raw, 0, '/root'), { mode: 0o040700, uid: 0, gid: 0 });
    assert.deepEqual(
      readdirSync(out).filter((f) => f.startsWith('kiln-')),
      [],
      'the workspace, with the fakeroot database in it, is removed after success',
    );
  });

  it('owners, a setuid bit and a device node made by a host hook reach the tar, ext4 and squashfs outputs', () => {
    const out = join(dir, 'hook');
    assert.equal(asUser(['mkdir', '-p', out], dir).status, 0);
    const b = runCli('disk-image-create', ['-n', 'fakeroot-owners', '-t', 'tar,raw,squash', '-o', join(out, 'fo')], {
      env: { ELEMENTS_PATH: FIXTURE_ELEMENTS, TMP_DIR: out, HOME: `/home/${USER}` },
      user: USER,
    });
    assert.equal(b.status, 0, b.stderr);
    const tar = spawnSync('tar', ['--numeric-owner', '-tvf', join(out, 'fo.tar')], { encoding: 'utf8' }).stdout;
    assert.match(tar, /^crw------- 0\/0\s+5,1 .* \.\/dev\/console$/m);
    assert.match(tar, /^drwxr-xr-x 1000\/1000 .* \.\/home\/alice\/$/m);
    assert.match(tar, /^-rw-r--r-- 1000\/1000 .* \.\/home\/alice\/notes$/m);
    assert.match(tar, /^-rwsr-xr-x 0\/0 .* \.\/bin\/su-test$/m);
    const raw = join(out, 'fo.raw');
    assert.equal(sh('e2fsck', ['-fn', raw]).status, 0);
    assert.deepEqual(extStat(raw, 0, '/home/alice/notes'), { mode: 0o100644, uid: 1000, gid: 1000 });
    assert.deepEqual(extStat(raw, 0, '/bin/su-test'), { mode: 0o104755, uid: 0, gid: 0 });
    assert.match(
      debugfs(raw, 0, 'stat /dev/console'),
      /Type: character special\s+Mode:\s+0600[\s\S]*User:\s+0\s+Group:\s+0[\s\S]*Device major\/minor number: 05:01/,
    );
    const squash = sh('unsquashfs', ['-lln', join(out, 'fo.squash')]).stdout;
    assert.match(squash, /^crw------- 0\/0\s+5,\s*1 .*\/dev\/console$/m);
    assert.match(squash, /^-rw-r--r-- 1000\/1000 .*\/home\/alice\/notes$/m);
    assert.match(squash, /^-rw-r----- 0\/42 .*\/etc\/shadow$/m);
  });

  it("a hook inside the tree gets fakeroot too (the host's library beside the hooks): its chown to 1001 reaches the tar", () => {
    const out = join(dir, 'in-tree');
    assert.equal(asUser(['mkdir', '-p', out], dir).status, 0);
    const b = runCli('disk-image-create', ['-n', 'fakeroot-in-tree', '-t', 'tar', '-o', join(out, 'it')], {
      env: { ELEMENTS_PATH: FIXTURE_ELEMENTS, TMP_DIR: out, HOME: `/home/${USER}` },
      user: USER,
    });
    assert.equal(b.status, 0, b.stderr);
    assert.doesNotMatch(b.stderr, /install\.d[\s\S]*cannot be preloaded/, 'the in-tree hooks found the library');
    const tar = join(out, 'it.tar');
    const list = spawnSync('tar', ['--numeric-owner', '-tvf', tar], { encoding: 'utf8' }).stdout;
    assert.match(list, /^drwxr-xr-x 1001\/1001 .* \.\/home\/bob\/$/m);
    assert.match(list, /^-rw-r--r-- 1001\/1001 .* \.\/home\/bob\/greeting$/m);
    assert.equal(spawnSync('tar', ['-xOf', tar, './home/bob-owner'], { encoding: 'utf8' }).stdout, '1001:1001\n', 'stat in the tree saw the owner');
    assert.doesNotMatch(list, /\.kiln-fakeroot|libfakeroot/, 'the library is not in the image');
  });

  it('root of a single-uid user namespace (unshare --map-root-user, as a rootless container without a range): the same', () => {
    const out = join(dir, 'userns');
    assert.equal(asUser(['mkdir', '-p', out], dir).status, 0);
    const b = asUser(
      [
        'env',
        `TMP_DIR=${out}`,
        'unshare',
        '--user',
        '--map-root-user',
        '--',
        join(REPO, 'bin/disk-image-create'),
        '-n',
        'busybox-minimal',
        '-t',
        'tar',
        '-o',
        join(out, 'bb'),
      ],
      dir,
    );
    assert.equal(b.status, 0, b.out);
    assert.match(b.out, /root of a user namespace that maps 1 id \(\/proc\/self\/uid_map: 0 \d+ 1\).*recorded in a fakeroot database/);
    const list = spawnSync('tar', ['--numeric-owner', '-tvf', join(out, 'bb.tar')], { encoding: 'utf8' }).stdout;
    assert.match(list, /^-rw-r----- 0\/42 .* \.\/etc\/shadow$/m);
    assert.doesNotMatch(list, new RegExp(` ${uid}/`), "no file has the user's own id");
  });
});
