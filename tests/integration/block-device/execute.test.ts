/**
 * executeBlockDevice() writes real images (no loop device, no mount) which INDEPENDENT tools read
 * back: sfdisk --json and partx (tables match the plan), sgdisk -v (GPT clean), e2fsck -fn at the
 * offset, fsck.fat / xfs_repair -n / btrfs check on the extracted region, and debugfs / mtools for
 * contents, symlinks, modes and owners (equal to the source tree). The tree is split by mount point
 * (mount-point directories stay, empty, in the parent) and restored afterwards.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { executeBlockDevice } from '../../../src/block-device/execute.js';
import { planBlockDevice } from '../../../src/block-device/plan.js';
import type { BlockDevicePlan } from '../../../src/block-device/common/plan-types.js';
import { Runner } from '../../../src/exec/runner.js';
import { findTool } from '../../helpers/host-tools.js';
import { silentLogger } from '../../../src/log.js';
import { currentIdentity } from '../../../src/sandbox/identity.js';
import { debugfs, extManifest, extStat, extract, isRoot, makeBdTree, manifest, sh } from './bd-tree.js';

const CI = process.env.CI === 'true';
const TOOLS = [
  'sfdisk',
  'sgdisk',
  'partx',
  'mke2fs',
  'e2fsck',
  'debugfs',
  'mkfs.fat',
  'fsck.fat',
  'mcopy',
  'mtype',
  'mkfs.xfs',
  'xfs_repair',
  'mkfs.btrfs',
  'btrfs',
  'mkswap',
];
const missing = TOOLS.filter((t) => !findTool(t));
const skip = CI ? false : !isRoot ? 'needs root to give the test tree non-root owners' : missing.length ? `missing tools: ${missing.join(', ')}` : false;

const tmp = mkdtempSync(join(tmpdir(), 'kiln-bd-exec-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
const ctx = { runner: new Runner(silentLogger), identity: currentIdentity(), log: silentLogger };
const EPOCH = 1700000000;

async function build(name: string, yaml: string): Promise<{ plan: BlockDevicePlan; image: string; tree: string }> {
  const tree = join(tmp, `${name}-tree`);
  makeBdTree(tree);
  const plan = planBlockDevice({ text: yaml, file: `${name}.yaml` }, { seed: name, params: { rootFsType: 'ext4', rootLabel: null } });
  const image = join(tmp, `${name}.raw`);
  await executeBlockDevice(ctx, plan, { treeDir: tree, imagePath: image, epoch: EPOCH, seed: name });
  return { plan, image, tree };
}

function checkTable(plan: BlockDevicePlan, image: string): void {
  const j = JSON.parse(sh('sfdisk', ['--json', image]).out) as {
    partitiontable: { label: string; partitions: { node: string; start: number; size: number; type: string }[] };
  };
  const t = plan.partitionTables[0]!;
  assert.equal(j.partitiontable.label, t.label === 'mbr' ? 'dos' : 'gpt');
  const want = t.partitions.map((p) => [Number(/(\d+)$/.exec(`${p.number}`)![1]), p.firstLba, p.sectors]);
  if (t.extended) want.push([t.extended.number, t.extended.firstLba, t.extended.sectors]);
  const got = j.partitiontable.partitions.map((p) => [Number(/(\d+)$/.exec(p.node)![1]), p.start, p.size]);
  // sfdisk shows the extended container with its declared size
  assert.deepEqual(
    got.sort((a, b) => a[0]! - b[0]!),
    want.sort((a, b) => a[0]! - b[0]!),
  );
  const partx = sh('partx', ['--raw', '--noheadings', '-o', 'NR,START,END', image]).out.trim().split('\n');
  assert.equal(partx.length, want.length, partx.join('\n'));
}

function checkExt(image: string, plan: BlockDevicePlan, fsName: string): number {
  const fs = plan.filesystems.find((f) => f.name === fsName)!;
  const r = sh('e2fsck', ['-fn', `${image}?offset=${fs.offsetBytes}`]);
  assert.equal(r.status, 0, r.out);
  assert.match(debugfs(image, fs.offsetBytes, 'stats'), new RegExp(`Filesystem volume name:\\s+${fs.label}`));
  assert.match(debugfs(image, fs.offsetBytes, 'stats'), new RegExp(`Filesystem UUID:\\s+${fs.uuid}`));
  return fs.offsetBytes;
}

const names = (image: string, off: number, dir: string): string[] =>
  debugfs(image, off, `ls -p "${dir}"`)
    .trim()
    .split('\n')
    .map((l) => l.split('/')[5])
    .filter((n): n is string => !!n && n !== '.' && n !== '..')
    .sort();

describe('executeBlockDevice: real images read back by independent tools', { skip }, () => {
  it('MBR with logical partitions: ext4 /, /boot, /var (logical), vfat /boot/efi (logical), swap', async () => {
    const { plan, image, tree } = await build(
      'mbr',
      `- local_loop: {name: image0, size: 400MiB}
- partitioning:
    base: image0
    label: mbr
    partitions:
      - name: boot
        flags: [boot, primary]
        size: 40MiB
        mkfs: {type: ext4, label: boot, mount: {mount_point: /boot, fstab: {}}}
      - name: root
        flags: [primary]
        size: 150MiB
        mkfs: {name: mkfs_root, mount: {mount_point: /, fstab: {fsck-passno: 1}}}
      - name: var
        size: 60MiB
        mkfs: {type: ext4, label: var, mount: {mount_point: /var, fstab: {}}}
      - name: esp
        type: 'ef'
        size: 40MiB
        mkfs: {type: vfat, label: esp, mount: {mount_point: /boot/efi, fstab: {}}}
      - name: swap
        type: '82'
        size: 100%
        mkfs: {type: swap, label: swap, mount: {mount_point: none, fstab: {}}}
`,
    );
    checkTable(plan, image);
    const root = checkExt(image, plan, 'mkfs_root');
    const boot = checkExt(image, plan, 'mkfs_boot');
    const varOff = checkExt(image, plan, 'mkfs_var');
    // each filesystem holds only its own subtree; mount points stay, empty, in the parent
    assert.deepEqual(names(image, root, '/boot'), []);
    assert.deepEqual(names(image, root, '/var'), []);
    assert.deepEqual(names(image, boot, '/'), ['efi', 'lost+found', 'vmlinuz']);
    assert.deepEqual(names(image, boot, '/efi'), []);
    assert.deepEqual(names(image, varOff, '/'), ['lib', 'log', 'lost+found']);
    assert.equal(debugfs(image, varOff, 'cat /log/syslog'), 'log line\n');
    assert.equal(extStat(image, varOff, '/lib/x').link, '../log/syslog');
    // owners and modes equal the source tree
    assert.deepEqual(extStat(image, root, '/etc/shadow'), { mode: 0o100640, uid: 0, gid: 42 });
    assert.deepEqual(extStat(image, root, '/home/alice'), { mode: 0o040700, uid: 1000, gid: 1000 });
    assert.deepEqual(extStat(image, root, '/home/alice/notes.txt'), { mode: 0o100600, uid: 1000, gid: 1000 });
    assert.deepEqual(extStat(image, root, '/tmp'), { mode: 0o041777, uid: 0, gid: 0 });
    assert.equal(extStat(image, root, '/link').link, 'usr/bin/tool');
    assert.equal(debugfs(image, root, 'cat /etc/fstab'), readFileSync(join(tree, 'etc/fstab'), 'utf8'));
    assert.equal(
      readFileSync(join(tree, 'etc/fstab'), 'utf8'),
      'LABEL=cloudimg-rootfs / ext4 defaults 0 1\nLABEL=boot /boot ext4 defaults 0 2\nLABEL=ESP /boot/efi vfat defaults 0 2\nLABEL=var /var ext4 defaults 0 2\nLABEL=swap none swap sw 0 0\n',
    );
    // ESP: fsck.fat on the extracted region, contents with mtools
    const esp = plan.filesystems.find((f) => f.name === 'mkfs_esp')!;
    const espFile = extract(image, esp.offsetBytes, esp.sizeBytes, join(tmp, 'mbr-esp.img'));
    const fat = sh('fsck.fat', ['-n', espFile]);
    assert.equal(fat.status, 0, fat.out);
    assert.equal(sh('mtype', ['-i', `${image}@@${esp.offsetBytes}`, '::/EFI/BOOT/BOOTX64.EFI']).out, 'E'.repeat(32 * 1024));
    const swap = plan.filesystems.find((f) => f.name === 'mkfs_swap')!;
    assert.match(sh('blkid', ['-p', '-O', String(swap.offsetBytes), image]).out, /TYPE="swap"/);
    // every entry (type, mode, owner, size, content, link target) equals the source subtree
    assert.deepEqual(extManifest(image, root, join(tmp, 'mbr-rd-root')), manifest(tree, ['boot', 'var']));
    assert.deepEqual(extManifest(image, boot, join(tmp, 'mbr-rd-boot')), manifest(join(tree, 'boot'), ['efi']));
    assert.deepEqual(extManifest(image, varOff, join(tmp, 'mbr-rd-var')), manifest(join(tree, 'var')));
    // the tree is whole again
    assert.deepEqual(readdirSync(join(tree, 'var/log')), ['syslog']);
    assert.deepEqual(readdirSync(join(tree, 'boot/efi/EFI/BOOT')), ['BOOTX64.EFI']);
    assert.deepEqual(
      readdirSync(tmp).filter((n) => n.includes('kiln-split')),
      [],
    );
  });

  it('GPT: ESP, BSP, ext4 /, xfs /var, btrfs /srv; sgdisk -v clean', async () => {
    const { plan, image, tree } = await build(
      'gpt',
      `- local_loop: {name: image0, size: 1200MiB}
- partitioning:
    base: image0
    label: gpt
    partitions:
      - name: ESP
        type: 'EF00'
        size: 300MiB
        mkfs: {type: vfat, mount: {mount_point: /boot/efi, fstab: {fsck-passno: 2}}}
      - {name: BSP, type: 'EF02', size: 1MiB}
      - name: var
        size: 310MiB
        mkfs: {type: xfs, label: var, mount: {mount_point: /var, fstab: {}}}
      - name: srv
        size: 130MiB
        mkfs: {type: btrfs, label: srv, mount: {mount_point: /srv, fstab: {}}}
      - name: root
        type: '8304'
        size: 100%
        mkfs: {name: mkfs_root, mount: {mount_point: /, fstab: {fsck-passno: 1}}}
`,
    );
    checkTable(plan, image);
    const v = sh('sgdisk', ['-v', image]);
    assert.match(v.out, /No problems found/);
    const root = checkExt(image, plan, 'mkfs_root');
    assert.deepEqual(names(image, root, '/srv'), []);
    assert.deepEqual(names(image, root, '/boot'), ['efi', 'vmlinuz']);
    const xfs = plan.filesystems.find((f) => f.type === 'xfs')!;
    const xfsFile = extract(image, xfs.offsetBytes, xfs.sizeBytes, join(tmp, 'gpt-var.img'));
    const xr = sh('xfs_repair', ['-n', '-f', xfsFile]);
    assert.equal(xr.status, 0, xr.out);
    const btrfs = plan.filesystems.find((f) => f.type === 'btrfs')!;
    const btrfsFile = extract(image, btrfs.offsetBytes, btrfs.sizeBytes, join(tmp, 'gpt-srv.img'));
    const br = sh('btrfs', ['check', '--readonly', btrfsFile]);
    assert.equal(br.status, 0, br.out);
    assert.match(sh('btrfs', ['inspect-internal', 'dump-super', btrfsFile]).out, /label\s+srv/);
    const esp = plan.filesystems.find((f) => f.type === 'vfat')!;
    assert.equal(esp.label, 'MKFS_ESP');
    // FAT keeps names and contents only: compare those with the source subtree (mcopy -s extracts)
    const espOut = join(tmp, 'gpt-esp-out');
    mkdirSync(espOut);
    assert.equal(sh('mcopy', ['-s', '-n', '-i', `${image}@@${esp.offsetBytes}`, '::/EFI', espOut]).status, 0);
    const contentOnly = (m: string[]) =>
      m.map((l) => {
        const f = l.split(' ');
        return `${f[0]} ${f[4] ?? ''} ${f[5] ?? ''}`;
      });
    assert.deepEqual(contentOnly(manifest(join(espOut, 'EFI'))), contentOnly(manifest(join(tree, 'boot/efi/EFI'))));
    assert.equal(sh('fsck.fat', ['-n', extract(image, esp.offsetBytes, esp.sizeBytes, join(tmp, 'gpt-esp.img'))]).status, 0);
    rmSync(xfsFile);
    rmSync(btrfsFile);
  });

  it('LVM: an ext4 LV spanning two PVs (built in a scratch file, copied into its segments)', async () => {
    const { plan, image } = await build(
      'spanned',
      `- local_loop: {name: image0, size: 200MiB}
- partitioning:
    base: image0
    label: mbr
    partitions:
      - {name: root, flags: [primary], size: 60MiB, mkfs: {name: mkfs_root, mount: {mount_point: /, fstab: {}}}}
      - {name: d1, flags: [primary], type: '8e', size: 50MiB}
      - {name: d2, flags: [primary], type: '8e', size: 50MiB}
- lvm:
    name: lvm
    pvs: [{name: p1, base: d1}, {name: p2, base: d2}]
    vgs: [{name: vg, base: [p1, p2]}]
    lvs: [{name: srv, base: vg, size: 80MiB}]
- mkfs: {name: fs_srv, base: srv, type: ext4, label: srv, mount: {mount_point: /srv, fstab: {}}}
`,
    );
    const fs = plan.filesystems.find((f) => f.name === 'fs_srv')!;
    assert.equal(fs.extents.length, 2, 'the LV is not contiguous in the image');
    // reassemble the LV from its segments as device-mapper would, and check it
    const lv = join(tmp, 'spanned-lv.img');
    const parts = fs.extents.map((e, i) => extract(image, e.offsetBytes, e.sizeBytes, `${lv}.${i}`));
    writeFileSync(lv, Buffer.concat(parts.map((p) => readFileSync(p))));
    const r = sh('e2fsck', ['-fn', lv]);
    assert.equal(r.status, 0, r.out);
    assert.equal(sh('debugfs', ['-R', 'cat /data/blob', lv]).stdout, 'b'.repeat(200 * 1024));
    checkExt(image, plan, 'mkfs_root');
  });

  it('a failing mkfs leaves no image, no staging directory, and the tree whole', async () => {
    await assert.rejects(
      build(
        'fail',
        `- local_loop: {name: image0, size: 200MiB}
- partitioning:
    base: image0
    label: gpt
    partitions:
      - {name: var, size: 40MiB, mkfs: {type: ext4, label: var, opts: "-O no_such_feature", mount: {mount_point: /var/log}}}
      - {name: root, size: 100%, mkfs: {name: mkfs_root, mount: {mount_point: /}}}
`,
      ),
      /mke2fs|no_such_feature/,
    );
    assert.throws(() => statSync(join(tmp, 'fail.raw')));
    assert.deepEqual(
      readdirSync(tmp).filter((n) => n.includes('kiln-split')),
      [],
    );
    assert.deepEqual(readdirSync(join(tmp, 'fail-tree/var/log')), ['syslog']);
  });

  it("the split leaves the tree's directory mtimes as they were", async () => {
    const tree = join(tmp, 'mtime-tree');
    makeBdTree(tree);
    const dirs = ['', 'boot', 'boot/efi', 'var', 'var/log', 'home'];
    const before = dirs.map((d) => statSync(join(tree, d)).mtimeMs);
    const plan = planBlockDevice(
      {
        text: readFileSync(new URL('../../../../tests/fixtures/block-device/layouts/mbr-logical.yaml', import.meta.url), 'utf8').replace(
          'mount_point: /srv/data',
          'mount_point: /boot/efi',
        ),
        file: 'm.yaml',
      },
      { seed: 'm', params: { rootFsType: 'ext4', rootLabel: null } },
    );
    await executeBlockDevice(ctx, plan, { treeDir: tree, imagePath: join(tmp, 'mtime.raw'), epoch: EPOCH, writeFstab: false });
    assert.deepEqual(
      dirs.map((d) => statSync(join(tree, d)).mtimeMs),
      before,
    );
    rmSync(join(tmp, 'mtime.raw'));
  });

  // mkfs.fat picks the FAT size and cluster size from the size of the whole FILE when -F/-s are not
  // given: a 40 MiB region gets FAT32 (too small), a 64 MiB one FAT32 with 4 KiB clusters (< 65525
  // clusters, mtools refuses it). src/block-device/mkfs/fat.ts makes it in a scratch file of the
  // region's size.
  it('small ESP (40 MiB) on a disk over 512 MiB', async () => {
    const { plan, image } = await build(
      'small-esp',
      `- local_loop: {name: image0, size: 600MiB}
- partitioning:
    base: image0
    label: gpt
    partitions:
      - {name: ESP, type: 'EF00', size: 40MiB, mkfs: {type: vfat, mount: {mount_point: /boot/efi}}}
      - {name: root, size: 100%, mkfs: {name: mkfs_root, mount: {mount_point: /}}}
`,
    );
    const esp = plan.filesystems.find((f) => f.type === 'vfat')!;
    assert.equal(sh('fsck.fat', ['-n', extract(image, esp.offsetBytes, esp.sizeBytes, join(tmp, 'small-esp.img'))]).status, 0);
  });

  it('shipped efi layout (550 MiB ESP) from the tree', async () => {
    const yaml = readFileSync(new URL('../../../../block-device/efi.yaml', import.meta.url), 'utf8').replace('name: image0', 'name: image0\n    size: 1200MiB');
    const { plan, image } = await build('efi', yaml);
    checkTable(plan, image);
    assert.match(sh('sgdisk', ['-v', image]).out, /No problems found/);
    const root = checkExt(image, plan, 'mkfs_root');
    assert.deepEqual(names(image, root, '/boot/efi'), []);
    const esp = plan.filesystems.find((f) => f.name === 'mkfs_ESP')!;
    assert.match(sh('mdir', ['-i', `${image}@@${esp.offsetBytes}`, '::/EFI/BOOT']).out, /BOOTX64\s+EFI\s+32768/);
    assert.ok(statSync(image).blocks * 512 < 200 * 1024 * 1024, 'the image stays sparse');
  });
});
