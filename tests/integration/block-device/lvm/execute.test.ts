/**
 * The whole chain for LVM: DIB YAML -> planBlockDevice -> executeBlockDevice (partition table, writeLvm,
 * mkfs into LV extents, no tools for the LVM part) -> the REAL lvm2 reading the image from read-only
 * loop devices. lvm must report the planned VG/LVs, vgck must pass, and each filesystem must be found
 * (blkid, e2fsck -fn) at the LV location that lvm reports, not the one Kiln computed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { executeBlockDevice, planBlockDevice } from '../../../../src/block-device/index.js';
import { findTool } from '../../../helpers/host-tools.js';
import { silentLogger } from '../../../../src/log.js';
import { currentIdentity } from '../../../../src/sandbox/identity.js';
import { attachRange, detach, PrivateLvm, readPartitions, runner, tempDir, tool } from './oracle.js';

const CI = process.env.CI === 'true';
const missing = ['lvm', 'losetup', 'sfdisk', 'mkfs.ext4', 'e2fsck', 'blkid'].filter((t) => !findTool(t));
const skip = CI
  ? false
  : !currentIdentity().privileged
    ? 'needs root (losetup for the lvm oracle)'
    : missing.length
      ? `missing tools: ${missing.join(', ')}`
      : false;

const CONFIG = `
- local_loop:
    name: image0
    size: 300MiB
- partitioning:
    base: image0
    label: mbr
    partitions:
      - name: boot
        flags: [ boot, primary ]
        size: 40MiB
      - name: root
        flags: [ primary ]
        size: 100%
        type: '8e'
- lvm:
    name: lvm
    base: [ root ]
    pvs:
      - name: pv
        base: root
    vgs:
      - name: vg
        base: [ pv ]
    lvs:
      - name: lv_root
        base: vg
        size: 100MiB
      - name: lv_var
        base: vg
        extents: 50%FREE
- mkfs:
    name: fs_root
    base: lv_root
    type: ext4
    label: rootfs
    mount:
      mount_point: /
- mkfs:
    name: fs_var
    base: lv_var
    type: ext4
    label: varfs
    mount:
      mount_point: /var
`;

test('executor + writeLvm: lvm2 reads the planned VG and finds each filesystem where its LV is', { skip, timeout: 180_000 }, async () => {
  const dir = tempDir();
  const loops: string[] = [];
  const lvm = { current: undefined as PrivateLvm | undefined };
  try {
    const plan = planBlockDevice({ text: CONFIG, file: 'lvm-executor.yaml' }, { seed: 'lvm-executor' });
    const image = join(dir, 'disk.raw');
    // a tree with one marker per filesystem: each LV must hold exactly its own subtree
    const tree = join(dir, 'tree');
    mkdirSync(join(tree, 'etc'), { recursive: true });
    mkdirSync(join(tree, 'var/lib'), { recursive: true });
    writeFileSync(join(tree, 'etc/root-marker'), 'root\n');
    writeFileSync(join(tree, 'var/lib/var-marker'), 'var\n');
    await executeBlockDevice({ runner, identity: currentIdentity(), log: silentLogger }, plan, { imagePath: image, epoch: 1700000000, treeDir: tree });

    const parts = await readPartitions(image);
    const pvPlan = plan.lvm[0]!.pvs[0]!;
    const pvPart = parts.find((p) => p.offsetBytes === pvPlan.offsetBytes);
    assert.ok(pvPart, `a partition starts at the planned pv offset ${pvPlan.offsetBytes}`);
    const pvDev = await attachRange(image, pvPart);
    loops.push(pvDev);
    lvm.current = new PrivateLvm([pvDev]);
    const l = lvm.current;
    await l.run(['vgck', 'vg']);
    const [pvRow] = await l.report('pvs', ['-o', 'pv_name,vg_name,pe_start,pv_pe_count']);
    assert.deepEqual(pvRow, { pv_name: pvDev, vg_name: 'vg', pe_start: '2048', pv_pe_count: String(pvPlan.peCount) });
    const [vgRow] = await l.report('vgs', ['-o', 'vg_name,vg_extent_size']);
    const extentBytes = Number(vgRow!.vg_extent_size) * 512;
    const segs = await l.report('lvs', ['--segments', '-o', 'lv_name,seg_start_pe,seg_size_pe,seg_pe_ranges']);
    assert.deepEqual(segs.map((s) => s.lv_name).sort(), plan.lvm[0]!.lvs.map((x) => x.name).sort());

    for (const fs of plan.filesystems) {
      const seg = segs.find((s) => s.lv_name === fs.device.name);
      assert.ok(seg, `lvm knows the LV of ${fs.name}`);
      assert.equal(Number(seg.seg_size_pe) * extentBytes, fs.sizeBytes, `${fs.name}: lvm's LV size is the planned fs size`);
      const m = /^(.+):(\d+)-(\d+)$/.exec(seg.seg_pe_ranges!);
      assert.ok(m && m[1] === pvDev);
      // where lvm says the LV lives, inside the image
      const offsetBytes = pvPart.offsetBytes + 2048 * 512 + Number(m[2]) * extentBytes;
      const dev = await attachRange(image, { start: 0, size: 0, offsetBytes, sizeBytes: fs.sizeBytes });
      loops.push(dev);
      const label = (await runner.run(tool('blkid'), ['-p', '-s', 'LABEL', '-o', 'value', dev])).stdout.trim();
      assert.equal(label, fs.label);
      await runner.run(tool('e2fsck'), ['-fn', dev]);
      const cat = async (path: string) => (await runner.run(tool('debugfs'), ['-R', `cat ${path}`, dev])).stdout;
      const ls = async (path: string) => (await runner.run(tool('debugfs'), ['-R', `ls ${path}`, dev])).stdout;
      if (fs.mountPoint === '/') {
        assert.equal(await cat('/etc/root-marker'), 'root\n', 'root LV holds /etc');
        assert.doesNotMatch(await ls('/var'), /lib/, '/var is an empty mount point on the root LV');
      } else {
        assert.equal(await cat('/lib/var-marker'), 'var\n', 'var LV holds the /var subtree');
        assert.doesNotMatch(await ls('/'), /etc/, 'var LV holds nothing else');
      }
    }
  } finally {
    for (const dev of loops) await detach(dev);
    lvm.current?.remove();
    rmSync(dir, { recursive: true, force: true });
  }
});
