/**
 * SELinux labels: busybox-minimal + a fixture element that gives the tree a real policy (Debian's
 * selinux-policy-default file_contexts, its name "default" in /etc/selinux/config) + selinux-permissive,
 * built to a GPT disk (ext4 root) and a tar, as root and as the unprivileged test user. The labels
 * are read back with debugfs (and from the tar's pax records with tar-stream) and compared with what
 * the host's matchpathcon says for each path and file type, against the same file_contexts.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, createReadStream, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import tarStream from 'tar-stream';
import { isRoot, runCli } from '../../helpers/cli.js';
import { makeElementTree } from '../../helpers/element-tree.js';
import { findTool } from '../../helpers/host-tools.js';
import { makeFilesystem } from '../../../src/block-device/mkfs/index.js';
import { bytes } from '../../../src/units.js';
import type { Build } from '../../../src/build/build.js';
import { relabelPaths } from '../../../src/build/selinux.js';
import { Runner } from '../../../src/exec/runner.js';
import { silentLogger } from '../../../src/log.js';
import { currentIdentity } from '../../../src/sandbox/identity.js';
import { context, EPOCH, extractRegion, makeImage, makeTree, MiB } from '../block-device/mkfs/fixture.js';

const HOST_FC = '/etc/selinux/default/contexts/files/file_contexts';
const ODD = '/etc/a "b" c';
/** a path of each kind the fixture tree has, and /proc, which the policy leaves unlabelled (<<none>>) */
const PATHS = ['/', '/etc', '/etc/shadow', '/etc/selinux/config', '/run/initctl', '/bin', '/tmp', '/dev', ODD, '/usr/bin', '/proc'];

function prerequisites(): string | false {
  if (!isRoot() && process.env.CI !== 'true') return 'needs root (and the kiln-test user for the rootless half)';
  for (const t of ['setfiles', 'matchpathcon', 'debugfs', 'sfdisk', 'unsquashfs', 'mkfs.btrfs', 'btrfs', 'python3'])
    assert.ok(findTool(t), `${t} is not installed (scripts/setup installs it)`);
  assert.ok(existsSync(HOST_FC), `${HOST_FC} is missing: scripts/setup installs selinux-policy-default`);
  return false;
}
const skip = prerequisites();

function fixtureElements(): string {
  const files: Record<string, string> = {
    'element-deps': 'install-static\n',
    'pre-install.d/05-selinux-config': '#!/bin/sh\nset -eu\nmkdir -p /etc/selinux\nprintf "SELINUX=enforcing\\nSELINUXTYPE=default\\n" > /etc/selinux/config\n',
    'install.d/20-odd-files': `#!/bin/sh\nset -eu\nmkdir -p /run\nmkfifo /run/initctl\ntouch '${ODD}'\n`,
  };
  const dir = makeElementTree({ 'selinux-fixture': { files } });
  const fcDir = join(dir, 'selinux-fixture/static/etc/selinux/default/contexts/files');
  mkdirSync(fcDir, { recursive: true });
  for (const suffix of ['', '.subs_dist', '.homedirs']) {
    if (existsSync(`${HOST_FC}${suffix}`)) copyFileSync(`${HOST_FC}${suffix}`, join(fcDir, `file_contexts${suffix}`));
  }
  execFileSync('chmod', ['-R', 'a+rX', dir]);
  return dir;
}

/** debugfs's file type names -> matchpathcon -m (its first letter counts: a fifo is 'pipe') */
const TYPES: Record<string, string> = {
  regular: 'file',
  directory: 'dir',
  symlink: 'lnk_file',
  FIFO: 'pipe',
  'character special': 'chr_file',
  'block special': 'blk_file',
};

function debugfs(dev: string, cmd: string): string {
  return spawnSync('debugfs', ['-R', cmd, dev], { encoding: 'utf8' }).stdout;
}

const quoted = (p: string): string => `"${p.replace(/"/g, '""')}"`;

/** What the image's policy says the path's label is: the host's matchpathcon on the same file_contexts. */
function expected(dev: string, path: string): string | undefined {
  const type = /Type: ([a-zA-Z ]+?)\s+Mode:/.exec(debugfs(dev, `stat ${quoted(path)}`))?.[1];
  assert.ok(type && TYPES[type], `${path}: file type in the image (${type})`);
  const out = execFileSync('matchpathcon', ['-n', '-f', HOST_FC, '-m', TYPES[type]!, path], { encoding: 'utf8' }).trim();
  return out === '<<none>>' ? undefined : out;
}

function label(dev: string, path: string): string | undefined {
  const m = /security\.selinux \(\d+\) = "(.*)\\000"/.exec(debugfs(dev, `ea_get ${quoted(path)} security.selinux`));
  return m?.[1];
}

function rootPartition(img: string): string {
  const t = JSON.parse(execFileSync('sfdisk', ['-J', img], { encoding: 'utf8' })) as {
    partitiontable: { sectorsize: number; partitions: { start: number; name: string }[] };
  };
  const root = t.partitiontable.partitions.find((p) => p.name === 'root');
  assert.ok(root, 'a root partition');
  return `${img}?offset=${root.start * t.partitiontable.sectorsize}`;
}

function checkDiskLabels(img: string): void {
  const dev = rootPartition(img);
  execFileSync('e2fsck', ['-fn', dev], { stdio: 'pipe' });
  for (const p of PATHS) {
    const want = expected(dev, p);
    assert.equal(label(dev, p), want, `label of ${p}`);
  }
  assert.equal(label(dev, '/etc/shadow'), 'system_u:object_r:shadow_t:s0', 'the policy, not a default, decided');
  assert.equal(label(dev, '/run/initctl'), 'system_u:object_r:initctl_t:s0', 'a fifo is looked up as a fifo');
  assert.match(debugfs(dev, 'cat /etc/selinux/config'), /^SELINUX=permissive\nSELINUXTYPE=default\n$/, 'selinux-permissive kept the policy name');
}

/** pax xattr records of the tar's entries: name -> security.selinux */
async function tarLabels(tar: string): Promise<Map<string, string | undefined>> {
  const out = new Map<string, string | undefined>();
  const extract = tarStream.extract();
  extract.on('entry', (h, stream, next) => {
    const v = (h.pax as Record<string, string> | undefined)?.['SCHILY.xattr.security.selinux'];
    out.set(h.name, v === undefined ? undefined : v.replace(/\0$/, ''));
    stream.on('end', next);
    stream.resume();
  });
  await new Promise<void>((res, rej) => {
    extract.on('finish', res);
    extract.on('error', rej);
    createReadStream(tar).pipe(extract);
  });
  return out;
}

describe('SELinux labels of a busybox tree with a policy', { skip }, () => {
  const out = mkdtempSync(join(tmpdir(), 'kiln-selinux-'));
  chmodSync(out, 0o777);
  const elements = skip ? '' : fixtureElements();
  after(() => {
    rmSync(out, { recursive: true, force: true });
    if (elements) rmSync(elements, { recursive: true, force: true });
  });
  const args = (name: string, types = 'raw,tar,squashfs'): string[] => [
    '-o',
    join(out, name),
    '-t',
    types,
    'busybox-minimal',
    'selinux-fixture',
    'selinux-permissive',
    'block-device-gpt',
  ];

  it('as root: setfiles labels the tree, mke2fs -d and tar copy the labels', async () => {
    const r = runCli('disk-image-create', args('root'), { env: { ELEMENTS_PATH: elements, TMP_DIR: out } });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /SELinux: the tree is labelled for policy default \(setfiles\)/);
    checkDiskLabels(join(out, 'root.raw'));
    assert.equal(label(rootPartition(join(out, 'root.raw')), '/.autorelabel'), undefined);
    const tar = await tarLabels(join(out, 'root.tar'));
    assert.equal(tar.get('./etc/shadow'), 'system_u:object_r:shadow_t:s0');
    assert.equal(tar.get('./run/initctl'), 'system_u:object_r:initctl_t:s0');
    assert.ok(!tar.has('./.autorelabel'), 'no relabel at first boot needed');
    // mksquashfs keeps xattrs: extracted (as root, unsquashfs writes them back), read with python's getxattr
    const x = join(out, 'root-squash');
    execFileSync('unsquashfs', ['-q', '-d', x, join(out, 'root.squash'), '/etc/shadow'], { stdio: 'pipe' });
    const got = execFileSync('python3', ['-c', 'import os,sys; print(os.getxattr(sys.argv[1], "security.selinux").decode())', join(x, 'etc/shadow')], {
      encoding: 'utf8',
    });
    assert.equal(got, 'system_u:object_r:shadow_t:s0\0\n');
  });

  it('as root, mkfs.btrfs --rootdir copies the labels of a tree labelled by setfiles', () => {
    const dir = mkdtempSync(join(out, 'btrfs-'));
    const tree = makeTree(join(dir, 'tree'));
    execFileSync('setfiles', ['-r', tree, HOST_FC, tree]);
    const img = join(dir, 'fs.img');
    makeImage(img, 260 * MiB, 2 * MiB, 256 * MiB);
    return makeFilesystem(context(), {
      image: img,
      offsetBytes: bytes(2 * MiB),
      sizeBytes: bytes(256 * MiB),
      sourceDir: tree,
      type: 'btrfs',
      opts: [],
      epoch: EPOCH,
      seed: 's',
    }).then(() => {
      const region = extractRegion(img, 2 * MiB, 256 * MiB, join(dir, 'region.img'));
      const dump = execFileSync('btrfs', ['inspect-internal', 'dump-tree', '-t', '5', region], { encoding: 'utf8' });
      assert.match(dump, /name: security\.selinux\n\s+data system_u:object_r:etc_t:s0/);
    });
  });

  it('unprivileged: the labels are written into ext4 with debugfs; the tar gets /.autorelabel', {
    skip: !isRoot() && 'needs root to switch user',
  }, async () => {
    const r = runCli('disk-image-create', args('user'), { env: { ELEMENTS_PATH: elements, TMP_DIR: out, HOME: '/home/kiln-test' }, user: 'kiln-test' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /SELinux: \d+ path\(s\) labelled for policy default \(matchpathcon\)/);
    assert.match(r.stderr, /WARNING: SELinux: labels cannot be written into the tar output, squashfs output: \/\.autorelabel makes the image relabel itself/);
    checkDiskLabels(join(out, 'user.raw'));
    const tar = await tarLabels(join(out, 'user.tar'));
    assert.equal(tar.get('./etc/shadow'), undefined, 'an unprivileged tar has no security.* records');
    assert.ok(tar.has('./.autorelabel'));
  });

  it('fakeroot mode (no subordinate ids): the same labels through debugfs; a disk alone needs no /.autorelabel', {
    skip: !isRoot() && 'needs root to switch user',
  }, () => {
    const r = runCli('disk-image-create', args('nosub', 'raw'), {
      env: { ELEMENTS_PATH: elements, TMP_DIR: out, HOME: '/home/kiln-nosub' },
      user: 'kiln-nosub',
    });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /fakeroot database/);
    assert.match(r.stderr, /SELinux: \d+ path\(s\) labelled for policy default \(matchpathcon\)/);
    assert.doesNotMatch(r.stderr, /autorelabel/);
    checkDiskLabels(join(out, 'nosub.raw'));
    assert.equal(label(rootPartition(join(out, 'nosub.raw')), '/.autorelabel'), undefined);
    assert.equal(debugfs(rootPartition(join(out, 'nosub.raw')), 'stat /.autorelabel').includes('Inode:'), false);
  });

  it('files written after the selinux step (grub.cfg, BLS entries) are labelled too, in the tree or in the label map', async () => {
    const dir = mkdtempSync(join(out, 'late-'));
    const tree = join(dir, 'tree');
    mkdirSync(join(tree, 'boot/grub2'), { recursive: true });
    mkdirSync(join(tree, 'boot/loader/entries'), { recursive: true });
    writeFileSync(join(tree, 'boot/grub2/grub.cfg'), 'blscfg\n');
    writeFileSync(join(tree, 'boot/loader/entries/6.1.conf'), 'title x\n');
    symlinkSync('/etc', join(tree, 'boot/grub')); // a symlink is not followed
    const b = { ws: { tree }, runner: new Runner(silentLogger), identity: currentIdentity(), log: silentLogger } as unknown as Build;
    const mapped = { fileContexts: HOST_FC, inTree: false, labels: new Map<string, string>() };
    await relabelPaths(b, mapped, ['/boot/grub', '/boot/grub2', '/boot/loader']);
    const want = (p: string, type: string): string => execFileSync('matchpathcon', ['-n', '-f', HOST_FC, '-m', type, p], { encoding: 'utf8' }).trim();
    assert.deepEqual([...mapped.labels.keys()].sort(), [
      '/boot/grub2',
      '/boot/grub2/grub.cfg',
      '/boot/loader',
      '/boot/loader/entries',
      '/boot/loader/entries/6.1.conf',
    ]);
    assert.equal(mapped.labels.get('/boot/grub2/grub.cfg'), want('/boot/grub2/grub.cfg', 'file'));
    assert.equal(mapped.labels.get('/boot/loader'), want('/boot/loader', 'dir'));
    await relabelPaths(b, { fileContexts: HOST_FC, inTree: true }, ['/boot/grub', '/boot/grub2', '/boot/loader']);
    const xattr = (p: string): string =>
      execFileSync(
        'python3',
        ['-c', 'import os,sys; print(os.getxattr(sys.argv[1], "security.selinux", follow_symlinks=False).decode().rstrip("\\0"))', join(tree, p)],
        { encoding: 'utf8' },
      ).trim();
    assert.equal(xattr('boot/grub2/grub.cfg'), want('/boot/grub2/grub.cfg', 'file'));
    assert.equal(xattr('boot/loader/entries/6.1.conf'), want('/boot/loader/entries/6.1.conf', 'file'));
  });

  it('KILN_SELINUX_RELABEL=0 leaves the files unlabelled', async () => {
    const r = runCli('disk-image-create', args('off', 'tar'), { env: { ELEMENTS_PATH: elements, TMP_DIR: out, KILN_SELINUX_RELABEL: '0' } });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /KILN_SELINUX_RELABEL=0: the image's files are not labelled/);
    const tar = await tarLabels(join(out, 'off.tar'));
    assert.ok(tar.has('./etc/shadow'));
    assert.equal(tar.get('./etc/shadow'), undefined);
    assert.ok(!tar.has('./.autorelabel'));
  });
});
