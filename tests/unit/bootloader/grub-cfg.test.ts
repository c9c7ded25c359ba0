import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { findKernel, formatCmdline, formatGrubCfg, writeGrubCfg } from '../../../src/bootloader/grub-cfg.js';
import { KilnError } from '../../../src/errors.js';

const GOLDEN = fileURLToPath(new URL('../../../../tests/fixtures/bootloader/grub.cfg', import.meta.url));
const UUID = '5f3a1c2e-8d4b-4a6f-9c1e-2b7d0e4f6a10';

describe('formatCmdline', () => {
  it('DIB defaults: root, ro, consoles, no_timer_check, then DIB_BOOTLOADER_DEFAULT_CMDLINE', () => {
    assert.equal(
      formatCmdline({ kernel: '/k', rootUuid: UUID }),
      `root=UUID=${UUID} ro console=tty0 console=ttyS0,115200 no_timer_check nofb nomodeset gfxpayload=text`,
    );
  });
  it('label, no serial console, no timer check off, extra arguments', () => {
    assert.equal(
      formatCmdline({ kernel: '/k', rootLabel: 'cloudimg-rootfs', serial: null, noTimerCheck: false, defaultCmdline: '', extraCmdline: 'quiet' }),
      'root=LABEL=cloudimg-rootfs ro quiet',
    );
  });
  it('needs a root', () => {
    assert.throws(() => formatCmdline({ kernel: '/k' }), KilnError);
  });
});

describe('formatGrubCfg', () => {
  it('matches the golden file', () => {
    const text = formatGrubCfg({
      kernel: '/boot/vmlinuz-6.1.0-26-amd64',
      initrd: '/boot/initrd.img-6.1.0-26-amd64',
      rootUuid: UUID,
      bootFsUuid: UUID,
      timeout: 5,
      title: 'Debian GNU/Linux 6.1.0-26-amd64',
    });
    if (process.env.UPDATE_GOLDEN === '1') {
      mkdirSync(join(GOLDEN, '..'), { recursive: true });
      writeFileSync(GOLDEN, text);
    }
    assert.equal(text, readFileSync(GOLDEN, 'utf8'));
  });
  it('serial unit and speed come from the console device; none means no serial terminal', () => {
    assert.match(formatGrubCfg({ kernel: '/k', rootUuid: UUID, serial: 'ttyS1,9600' }), /serial --speed=9600 --unit=1 /);
    const plain = formatGrubCfg({ kernel: '/k', rootUuid: UUID, serial: null, timeout: 0 });
    assert.doesNotMatch(plain, /serial|terminal_/);
    assert.match(plain, /set timeout=0/);
  });
});

describe('writeGrubCfg / findKernel', () => {
  const tree = mkdtempSync(join(tmpdir(), 'kiln-grubcfg-'));
  after(() => rmSync(tree, { recursive: true, force: true }));

  it('errors without a kernel', () => {
    assert.throws(() => findKernel(tree), /no kernel/);
  });
  it('picks the newest kernel by version and its initrd', () => {
    mkdirSync(join(tree, 'boot'));
    for (const f of [
      'vmlinuz-6.1.0-9-amd64',
      'vmlinuz-6.1.0-26-amd64',
      'initrd.img-6.1.0-26-amd64',
      'initrd.img-6.1.0-9-amd64',
      'vmlinuz-6.1.0-30-amd64.old',
    ]) {
      writeFileSync(join(tree, 'boot', f), '');
    }
    assert.deepEqual(findKernel(tree), { kernel: 'vmlinuz-6.1.0-26-amd64', initrd: 'initrd.img-6.1.0-26-amd64', version: '6.1.0-26-amd64' });
    const path = writeGrubCfg(tree, { rootUuid: UUID });
    const text = readFileSync(path, 'utf8');
    assert.equal(path, join(tree, 'boot/grub/grub.cfg'));
    assert.match(text, /linux \/boot\/vmlinuz-6\.1\.0-26-amd64 root=UUID=/);
    assert.match(text, /initrd \/boot\/initrd\.img-6\.1\.0-26-amd64/);
  });
  it('a separate /boot puts the kernel at the filesystem root', () => {
    const text = readFileSync(writeGrubCfg(tree, { rootUuid: UUID, bootIsSeparate: true }), 'utf8');
    assert.match(text, /linux \/vmlinuz-6\.1\.0-26-amd64 /);
  });
});

describe('formatGrubCfg per architecture', () => {
  it('arm64 (ttyAMA0): the kernel gets the console, GRUB keeps the firmware console (no PC UART setup)', () => {
    const cfg = formatGrubCfg({ rootUuid: 'u', kernel: '/boot/vmlinuz', serial: 'ttyAMA0,115200' });
    assert.match(cfg, /console=tty0 console=ttyAMA0,115200/);
    assert.doesNotMatch(cfg, /^serial /m);
    assert.doesNotMatch(cfg, /terminal_input serial/);
  });
  it('x86 (ttyS1,9600): GRUB drives that UART', () => {
    const cfg = formatGrubCfg({ rootUuid: 'u', kernel: '/boot/vmlinuz', serial: 'ttyS1,9600' });
    assert.match(cfg, /^serial --speed=9600 --unit=1 /m);
    assert.match(cfg, /^terminal_input serial console$/m);
  });
});
