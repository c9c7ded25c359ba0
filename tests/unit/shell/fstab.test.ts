import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { matchSpec, parseFstab, planMounts, type Volume } from '../../../src/shell/fstab.js';

const vol = (number: number, fsType: string, extra: Partial<Volume> = {}): Volume => ({
  name: `partition ${number}`,
  number,
  offset: number * 1048576,
  size: 1048576,
  fsType,
  ...extra,
});
const esp = vol(1, 'vfat', { uuid: 'ABCD-1234', label: 'MKFS_ESP', partLabel: 'ESP', partUuid: '2fa9669a-47e8-44ae-ad40-62dd262ea695' });
const root = vol(3, 'ext4', { uuid: '87bfa181-b07c-4ba0-99b2-f0aac41dec7d', label: 'cloudimg-rootfs', partLabel: 'root' });
const boot = vol(2, 'ext4', { label: 'boot' });
const xfs = vol(4, 'xfs', { label: 'data' });
const lvm = vol(5, 'LVM2_member');
const volumes = [esp, boot, root, xfs, lvm];
const ext = (t: string) => /^ext|vfat/.test(t);

describe('the image fstab', () => {
  it('parses fields, comments, blank lines and octal escapes, with line numbers', () => {
    const e = parseFstab(
      '# comment\n\nLABEL=cloudimg-rootfs / ext4 defaults 0 1\nUUID=ABCD-1234\t/boot/efi vfat umask=0077 0 2\n/dev/sdb1 /mnt/my\\040disk auto noauto\n',
    );
    assert.deepEqual(
      e.map((x) => [x.line, x.spec, x.mountPoint, x.type, x.options.join(',')]),
      [
        [3, 'LABEL=cloudimg-rootfs', '/', 'ext4', 'defaults'],
        [4, 'UUID=ABCD-1234', '/boot/efi', 'vfat', 'umask=0077'],
        [5, '/dev/sdb1', '/mnt/my disk', 'auto', 'noauto'],
      ],
    );
  });
  it('matches UUID= (any case), LABEL=, PARTUUID=, PARTLABEL=, /dev/disk/by-*, /dev/vdaN; LVM names', () => {
    const hit = (s: string) => {
      const m = matchSpec(s, volumes);
      return m.kind === 'volume' ? m.volume.number : m.kind;
    };
    assert.equal(hit('UUID=abcd-1234'), 1);
    assert.equal(hit('LABEL=cloudimg-rootfs'), 3);
    assert.equal(hit('PARTUUID=2FA9669A-47E8-44AE-AD40-62DD262EA695'), 1);
    assert.equal(hit('PARTLABEL=root'), 3);
    assert.equal(hit('/dev/disk/by-label/boot'), 2);
    assert.equal(hit('/dev/disk/by-uuid/87bfa181-b07c-4ba0-99b2-f0aac41dec7d'), 3);
    assert.equal(hit('/dev/vda2'), 2);
    assert.equal(hit('/dev/nvme0n1p3'), 3);
    assert.equal(hit('/dev/mapper/vg-lv_var'), 'lvm');
    assert.equal(hit('/dev/vg/lv_home'), 'lvm');
    assert.equal(hit('LABEL=nope'), 'unknown');
    assert.equal(hit('server:/export'), 'unknown');
  });
  it('plans the root, then the disk mounts parents first; pseudo and network filesystems are left out', () => {
    const entries = parseFstab(
      [
        'LABEL=cloudimg-rootfs / ext4 defaults 0 1',
        'UUID=ABCD-1234 /boot/efi vfat defaults 0 2',
        'LABEL=boot /boot ext4 defaults 0 2',
        'proc /proc proc defaults 0 0',
        'tmpfs /tmp tmpfs defaults 0 0',
        'server:/export /srv nfs defaults 0 0',
        'LABEL=elsewhere /data ext4 nofail 0 2',
        '/swapfile none swap sw 0 0',
      ].join('\n'),
    );
    const p = planMounts(root, entries, volumes, ext);
    assert.deepEqual(
      p.mounts.map((m) => [m.mountPoint, m.volume.number]),
      [
        ['/', 3],
        ['/boot', 2],
        ['/boot/efi', 1],
      ],
    );
    assert.deepEqual(p.skipped, ['/data (LABEL=elsewhere): not on this disk (nofail), left empty']);
  });
  it('refuses LVM and filesystems it cannot read, naming the fstab line; an optional one is skipped', () => {
    assert.throws(
      () => planMounts(root, parseFstab('LABEL=cloudimg-rootfs / ext4 defaults 0 1\n/dev/mapper/vg-lv_var /var xfs defaults 0 2\n'), volumes, ext),
      (e: Error & { where?: string }) => /\/var is on LVM \(\/dev\/mapper\/vg-lv_var\)/.test(e.message) && e.where === '/etc/fstab line 2',
    );
    assert.throws(
      () => planMounts(root, parseFstab('LABEL=data /srv xfs defaults 0 2\n'), volumes, ext),
      (e: Error & { where?: string }) => e.message.includes('/srv is on partition 4 (xfs)') && e.where === '/etc/fstab line 1',
    );
    const p = planMounts(root, parseFstab('LABEL=data /srv xfs nofail 0 2\n'), volumes, ext);
    assert.deepEqual(p.skipped, ['/srv (partition 4): xfs is not read by Kiln, left empty']);
  });
});
