import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { entryFileName, formatBlsEntry, formatBlsGrubCfg, grubQuote, parseOsRelease, treeHasBlscfg, writeBlsConfig } from '../../../src/bootloader/bls.js';
import { formatEarlyConfig } from '../../../src/bootloader/grub-image.js';

const UUID = '0b5e7a63-2c41-4f0e-8d7a-91c3e5f2a4b6';
const MID = '0123456789abcdef0123456789abcdef';

describe('BLS entries', () => {
  it("formatBlsEntry: kernel-install's keys and GRUB's", () => {
    assert.equal(
      formatBlsEntry({
        title: 'Fedora Linux (6.5.6-300.fc39.x86_64) 39',
        version: '6.5.6-300.fc39.x86_64',
        linux: '/boot/vmlinuz-6.5.6-300.fc39.x86_64',
        initrd: '/boot/initramfs-6.5.6-300.fc39.x86_64.img',
        options: 'root=UUID=u ro',
        grubClass: 'fedora',
      }),
      'title Fedora Linux (6.5.6-300.fc39.x86_64) 39\nversion 6.5.6-300.fc39.x86_64\nlinux /boot/vmlinuz-6.5.6-300.fc39.x86_64\ninitrd /boot/initramfs-6.5.6-300.fc39.x86_64.img\noptions root=UUID=u ro\ngrub_users $grub_users\ngrub_arg --unrestricted\ngrub_class fedora\n',
    );
  });

  it('formatBlsGrubCfg: terminal, search, kernelopts (single-quoted), blscfg', () => {
    const cfg = formatBlsGrubCfg({ rootUuid: UUID, searchUuid: UUID, defaultCmdline: "quiet x='y'", timeout: 3 });
    assert.match(cfg, /^# written by kiln/);
    assert.match(cfg, /\nset timeout=3\n/);
    assert.match(cfg, /\nserial --speed=115200 --unit=0 /);
    assert.match(cfg, new RegExp(`\\nsearch --no-floppy --fs-uuid --set=root ${UUID}\\n`));
    assert.ok(cfg.includes(`\nset kernelopts='root=UUID=${UUID} ro console=tty0 console=ttyS0,115200 no_timer_check quiet x='\\''y'\\'''\n`), cfg);
    assert.ok(cfg.endsWith('\ninsmod blscfg\nblscfg\n'));
    assert.doesNotMatch(cfg, /menuentry/);
  });

  it('grubQuote, parseOsRelease, entryFileName', () => {
    assert.equal(grubQuote("a'b"), "'a'\\''b'");
    assert.deepEqual(parseOsRelease('NAME="Fedora Linux"\nVERSION="39 (Cloud Edition)"\nID=fedora\n# c\n'), {
      NAME: 'Fedora Linux',
      VERSION: '39 (Cloud Edition)',
      ID: 'fedora',
    });
    assert.equal(entryFileName(`${MID}\n`, '6.1'), `${MID}-6.1.conf`);
    assert.equal(entryFileName('', '6.1'), '6.1.conf');
    assert.equal(entryFileName('uninitialized\n', '6.1'), '6.1.conf');
  });

  it('the early config of a BLS image looks in /boot/grub2 (or /grub2 on a separate /boot)', () => {
    assert.equal(formatEarlyConfig(UUID, false, 'grub2'), `search --no-floppy --fs-uuid --set=root ${UUID}\nset prefix=($root)/boot/grub2\n`);
    assert.equal(formatEarlyConfig(UUID, true, 'grub2'), `search --no-floppy --fs-uuid --set=root ${UUID}\nset prefix=($root)/grub2\n`);
    assert.equal(formatEarlyConfig(UUID, false), `search --no-floppy --fs-uuid --set=root ${UUID}\nset prefix=($root)/boot/grub\n`, 'Debian unchanged');
  });
});

describe('writeBlsConfig / treeHasBlscfg', () => {
  const tree = (): string => {
    const t = mkdtempSync(join(tmpdir(), 'kiln-bls-'));
    mkdirSync(join(t, 'boot/loader/entries'), { recursive: true });
    mkdirSync(join(t, 'etc'));
    writeFileSync(join(t, 'boot/vmlinuz-6.5.6-300.fc39.x86_64'), 'k');
    writeFileSync(join(t, 'boot/initramfs-6.5.6-300.fc39.x86_64.img'), 'i');
    writeFileSync(join(t, 'etc/os-release'), 'NAME="Fedora Linux"\nVERSION="39 (Cloud Edition)"\nID=fedora\n');
    writeFileSync(join(t, 'etc/machine-id'), `${MID}\n`);
    // what the kernel's scriptlet (kernel-install) left: the build host's command line
    writeFileSync(join(t, `boot/loader/entries/ffffffffffffffffffffffffffffffff-6.5.6-300.fc39.x86_64.conf`), 'options BOOT_IMAGE=host\n');
    writeFileSync(join(t, 'boot/loader/entries/other-5.0.conf'), 'title other kernel\n');
    return t;
  };

  it('writes the entry for the newest kernel, replaces the build-time one, keeps others, writes /boot/grub2/grub.cfg', () => {
    const t = tree();
    try {
      const paths = writeBlsConfig(t, { rootUuid: UUID, searchUuid: UUID });
      assert.deepEqual(readdirSync(join(t, 'boot/loader/entries')).sort(), [`${MID}-6.5.6-300.fc39.x86_64.conf`, 'other-5.0.conf']);
      const entry = readFileSync(join(t, `boot/loader/entries/${MID}-6.5.6-300.fc39.x86_64.conf`), 'utf8');
      assert.match(entry, /^title Fedora Linux \(6\.5\.6-300\.fc39\.x86_64\) 39 \(Cloud Edition\)\n/);
      assert.match(entry, /\nlinux \/boot\/vmlinuz-6\.5\.6-300\.fc39\.x86_64\ninitrd \/boot\/initramfs-6\.5\.6-300\.fc39\.x86_64\.img\n/);
      assert.match(entry, new RegExp(`\\noptions root=UUID=${UUID} ro console=tty0 console=ttyS0,115200 no_timer_check nofb nomodeset gfxpayload=text\\n`));
      assert.match(entry, /\ngrub_class fedora\n$/);
      assert.deepEqual(paths, [join(t, `boot/loader/entries/${MID}-6.5.6-300.fc39.x86_64.conf`), join(t, 'boot/grub2/grub.cfg')]);
      assert.match(readFileSync(join(t, 'boot/grub2/grub.cfg'), 'utf8'), /\nblscfg\n$/);
    } finally {
      rmSync(t, { recursive: true, force: true });
    }
  });

  it('a separate /boot: paths relative to it', () => {
    const t = tree();
    try {
      writeBlsConfig(t, { rootUuid: UUID, searchUuid: 'boot-uuid', bootIsSeparate: true, bootFsUuid: 'boot-uuid' });
      const entry = readFileSync(join(t, `boot/loader/entries/${MID}-6.5.6-300.fc39.x86_64.conf`), 'utf8');
      assert.match(entry, /\nlinux \/vmlinuz-6\.5\.6-300\.fc39\.x86_64\ninitrd \/initramfs-/);
      assert.match(readFileSync(join(t, 'boot/grub2/grub.cfg'), 'utf8'), /search --no-floppy --fs-uuid --set=root boot-uuid\n/);
    } finally {
      rmSync(t, { recursive: true, force: true });
    }
  });

  it('treeHasBlscfg: every platform needs its core and blscfg.mod in the tree', () => {
    const t = tree();
    try {
      assert.equal(treeHasBlscfg(t, ['i386-pc']), false);
      mkdirSync(join(t, 'usr/lib/grub/i386-pc'), { recursive: true });
      writeFileSync(join(t, 'usr/lib/grub/i386-pc/kernel.img'), '');
      assert.equal(treeHasBlscfg(t, ['i386-pc']), false, 'no blscfg (Debian GRUB)');
      writeFileSync(join(t, 'usr/lib/grub/i386-pc/blscfg.mod'), '');
      assert.equal(treeHasBlscfg(t, ['i386-pc']), true);
      assert.equal(treeHasBlscfg(t, ['i386-pc', 'x86_64-efi']), false, 'the EFI GRUB would come from the host');
      assert.equal(treeHasBlscfg(t, []), false);
    } finally {
      rmSync(t, { recursive: true, force: true });
    }
  });
});
