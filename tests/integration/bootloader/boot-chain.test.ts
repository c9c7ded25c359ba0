/**
 * The loopless boot chain on its own: a disk made with sfdisk + mke2fs -d (+ mkfs.fat for the ESP)
 * holding Debian's kernel and a busybox initramfs, GRUB installed by installBootloader (bytes and
 * mtools, no device), booted by bootTest: MBR/BIOS, GPT/BIOS, GPT/UEFI. Checked with sfdisk,
 * sgdisk, e2fsck and mtools, and by the guest printing the marker of our /init.
 */
import { resolveArch } from '../../../src/arch/index.js';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readSync, closeSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { installBootloader, writeGrubCfg, type BootTarget } from '../../../src/bootloader/index.js';
import { KilnError } from '../../../src/errors.js';
import { Runner } from '../../../src/exec/runner.js';
import { findTool } from '../../helpers/host-tools.js';
import { MemoryLogger } from '../../../src/log.js';
import { bootTest } from '../../../src/vm/index.js';
import { BUSYBOX, cachedKernel, INIT_MARKER, testInitramfs } from './test-os.js';

const TOOLS = ['sfdisk', 'sgdisk', 'mke2fs', 'e2fsck', 'mkfs.fat', 'mdir', 'mcopy', 'grub-mkimage', 'qemu-system-x86_64', 'qemu-img', 'apt-get', 'dpkg-deb'];
const missing = [
  ...TOOLS.filter((t) => !findTool(t)),
  ...[BUSYBOX, '/usr/lib/grub/i386-pc/boot.img', '/usr/lib/grub/x86_64-efi/kernel.img', '/usr/share/OVMF/OVMF_CODE_4M.fd'].filter((p) => !existsSync(p)),
];
const skip = missing.length > 0 && process.env.CI !== 'true' ? `missing: ${missing.join(', ')}` : false;

const ROOT_UUID = '5f3a1c2e-8d4b-4a6f-9c1e-2b7d0e4f6a10';
const EXPECT = new RegExp(`${INIT_MARKER}[\\s\\S]*login:`);
const BOOT_TIMEOUT = 240;
const MiB = 1024 * 1024;
const GUID = { bios: '21686148-6449-6E6F-744E-656564454649', esp: 'C12A7328-F81F-11D2-BA4B-00A0C93EC93B', linux: '0FC63DAF-8483-4772-8E79-3D69D8477DE4' };

const run = (cmd: string, args: string[], input?: string) =>
  execFileSync(cmd, args, { encoding: 'utf8', ...(input === undefined ? {} : { input }), stdio: ['pipe', 'pipe', 'pipe'] });
const sha256 = (f: string) => createHash('sha256').update(readFileSync(f)).digest('hex');
const hex = (b: Buffer) => b.toString('hex').match(/../g)!.join(' ');

function readAt(file: string, offset: number, length: number): Buffer {
  const fd = openSync(file, 'r');
  try {
    const b = Buffer.alloc(length);
    readSync(fd, b, 0, length, offset);
    return b;
  } finally {
    closeSync(fd);
  }
}

function makeExt4(image: string, tree: string, startLba: number, sectors: number): void {
  run('mke2fs', [
    '-q',
    '-F',
    '-t',
    'ext4',
    '-O',
    '^metadata_csum_seed,^orphan_file',
    '-U',
    ROOT_UUID,
    '-E',
    `offset=${startLba * 512}`,
    '-d',
    tree,
    image,
    `${(sectors * 512) / 1024}k`,
  ]);
}

describe('GRUB installed as bytes boots in QEMU', { skip }, () => {
  let tmp = '';
  let tree = '';
  const log = new MemoryLogger();
  const ctx = { runner: new Runner(log), log };

  before(() => {
    tmp = mkdtempSync(join(tmpdir(), 'kiln-boot-chain-'));
    tree = join(tmp, 'tree');
    const kernel = cachedKernel();
    mkdirSync(join(tree, 'boot'), { recursive: true });
    copyFileSync(kernel.path, join(tree, 'boot', `vmlinuz-${kernel.version}`));
    writeFileSync(join(tree, 'boot', `initrd.img-${kernel.version}`), testInitramfs());
    writeGrubCfg(tree, { rootUuid: ROOT_UUID, bootFsUuid: ROOT_UUID, timeout: 0, extraCmdline: 'panic=-1' });
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  const mbr = () => join(tmp, 'mbr.raw');
  const gpt = () => join(tmp, 'gpt.raw');
  const mbrTarget = (): BootTarget => ({
    arch: resolveArch('amd64'),
    image: mbr(),
    sectorSize: 512,
    label: 'mbr',
    firstPartitionLba: 2048,
    rootFsUuid: ROOT_UUID,
    treeDir: tree,
  });
  const gptTarget = (image = gpt()): BootTarget => ({
    arch: resolveArch('amd64'),
    image,
    sectorSize: 512,
    label: 'gpt',
    firstPartitionLba: 2048,
    biosBootPartition: { startLba: 2048, sectors: 2048 },
    esp: { offsetBytes: 4096 * 512, sizeBytes: 32 * MiB },
    rootFsUuid: ROOT_UUID,
    treeDir: tree,
    epoch: 1700000000,
  });

  it('MBR: core.img in the gap keeps the partition table and the filesystem intact', async () => {
    writeFileSync(mbr(), '');
    execFileSync('truncate', ['-s', `${66 * MiB}`, mbr()]);
    run('sfdisk', ['-q', mbr()], 'label: dos\nlabel-id: 0x4b494c4e\n2048,131072,83,*\n');
    makeExt4(mbr(), tree, 2048, 131072);
    const table = run('sfdisk', ['--json', mbr()]);
    await installBootloader(ctx, mbrTarget(), 'bios');
    assert.equal(run('sfdisk', ['--json', mbr()]), table);
    run('e2fsck', ['-fn', `${mbr()}?offset=${2048 * 512}`]);
    const lba0 = readAt(mbr(), 0, 512);
    assert.equal(hex(lba0.subarray(0x5c, 0x68)), '01 00 00 00 00 00 00 00 ff fa 90 90');
    assert.equal(lba0.readUInt32LE(440), 0x4b494c4e, 'disk signature kept');
    assert.equal(readAt(mbr(), 512 + 0x1f4, 8).readBigUInt64LE(0), 2n);
    assert.match(log.text(), /modules from the HOST/);
  });

  it('MBR + BIOS boots to the test init', async () => {
    const r = await bootTest({ image: mbr(), uefi: false, timeoutSec: BOOT_TIMEOUT, expect: EXPECT, logPath: join(tmp, 'mbr-bios.log'), log });
    assert.ok(r.seconds > 0);
  });

  it('GPT: BIOS boot partition + ESP, golden bytes, deterministic, checked by sgdisk and mtools', async () => {
    writeFileSync(gpt(), '');
    execFileSync('truncate', ['-s', `${100 * MiB}`, gpt()]);
    run(
      'sfdisk',
      ['-q', gpt()],
      [
        'label: gpt',
        'label-id: 4B494C4E-0000-4000-8000-000000000001',
        `start=2048, size=2048, type=${GUID.bios}`,
        `start=4096, size=65536, type=${GUID.esp}`,
        `start=69632, size=131072, type=${GUID.linux}`,
        '',
      ].join('\n'),
    );
    run('mkfs.fat', ['-F', '16', '--offset', '4096', '-n', 'ESP', '-i', '4B494C4E', gpt(), '32768']);
    makeExt4(gpt(), tree, 69632, 131072);
    const copy = join(tmp, 'gpt-copy.raw');
    copyFileSync(gpt(), copy);
    await installBootloader(ctx, gptTarget(), 'both');
    await installBootloader(ctx, gptTarget(copy), 'both');
    assert.equal(sha256(gpt()), sha256(copy), 'same input, same bytes');
    rmSync(copy);

    assert.equal(hex(readAt(gpt(), 0x5a, 14)), '00 80 00 08 00 00 00 00 00 00 ff fa 90 90');
    const tail = readAt(gpt(), 2048 * 512 + 0x1f4, 12);
    assert.equal(hex(tail.subarray(0, 8)), '01 08 00 00 00 00 00 00');
    assert.equal(hex(tail.subarray(10)), '20 08');
    const coreSectors = tail.readUInt16LE(8) + 1;
    assert.ok(coreSectors > 100 && coreSectors <= 2048, `core.img is ${coreSectors} sectors`);
    assert.match(run('sgdisk', ['-v', gpt()]), /No problems found/);
    run('e2fsck', ['-fn', `${gpt()}?offset=${69632 * 512}`]);

    const at = `${gpt()}@@${4096 * 512}`;
    const env = { ...process.env, MTOOLS_SKIP_CHECK: '1' };
    const efi = (p: string) => execFileSync('mcopy', ['-i', at, p, '-'], { env, maxBuffer: 1 << 26 });
    const a = efi('::/EFI/BOOT/BOOTX64.EFI');
    assert.equal(a.subarray(0, 2).toString(), 'MZ');
    assert.deepEqual(efi('::/EFI/debian/grubx64.efi'), a);
    // file times are SOURCE_DATE_EPOCH (2023-11-14), not the host clock
    assert.match(execFileSync('mdir', ['-i', at, '::/EFI/BOOT'], { env, encoding: 'utf8' }), /2023-11-14/);
    // again on the same ESP (directories exist, files are replaced)
    await installBootloader(ctx, gptTarget(), 'efi');
    assert.deepEqual(efi('::/EFI/BOOT/BOOTX64.EFI'), a);
  });

  it('GPT + BIOS boots to the test init', async () => {
    await bootTest({ image: gpt(), uefi: false, timeoutSec: BOOT_TIMEOUT, expect: EXPECT, logPath: join(tmp, 'gpt-bios.log'), log });
  });

  it('GPT + UEFI boots to the test init', async () => {
    await bootTest({ image: gpt(), uefi: true, timeoutSec: BOOT_TIMEOUT, expect: EXPECT, logPath: join(tmp, 'gpt-uefi.log'), log });
  });

  it('a qcow2 of the GPT image boots too (format detected)', async () => {
    const q = join(tmp, 'gpt.qcow2');
    run('qemu-img', ['convert', '-f', 'raw', '-O', 'qcow2', gpt(), q]);
    const r = await bootTest({ image: q, uefi: false, timeoutSec: BOOT_TIMEOUT, expect: EXPECT, log });
    assert.equal(r.format, 'qcow2');
  });

  it('refuses a core.img that does not fit the gap before a partition at LBA 63', async () => {
    const small = join(tmp, 'lba63.raw');
    execFileSync('truncate', ['-s', `${8 * MiB}`, small]);
    run('sfdisk', ['-q', small], 'label: dos\n63,8000,83\n');
    const before = sha256(small);
    await assert.rejects(
      installBootloader(ctx, { ...mbrTarget(), image: small, firstPartitionLba: 63 }, 'bios'),
      (e: unknown) => e instanceof KilnError && /does not fit the gap before the first partition \(LBA 1-62\)/.test(e.message),
    );
    assert.equal(sha256(small), before, 'nothing written');
  });

  it('boot failure: a guest that never prints the pattern fails with the console tail and the log path', async () => {
    const logPath = join(tmp, 'fail.log');
    await assert.rejects(
      bootTest({ image: mbr(), uefi: false, timeoutSec: BOOT_TIMEOUT, expect: /this-never-appears/, logPath, log }),
      (e: unknown) => e instanceof KilnError && /QEMU exited/.test(e.message) && e.message.includes(INIT_MARKER) && e.message.includes(logPath),
    );
  });
});
