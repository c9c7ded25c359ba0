/**
 * Is KVM usable for boot tests? /dev/kvm existing is not enough: in a nested VM guests crash
 * ("KVM internal error ... emulation failure" under OVMF) or crawl (SeaBIOS + GRUB real mode).
 * The probe boots exactly what crawls: a tiny GRUB (our own boot.img/core.img patchers, built
 * with the host's grub-mkimage) that prints a marker on COM1 and halts. Measured on the nested
 * CI VM: TCG 0.6-0.8 s, KVM 23 s. KVM is kept only when it reaches the marker within
 * max(5 s, 4 x the TCG time). Without the host's GRUB i386-pc modules a hand-made boot sector
 * (probe-image.ts, 3000 INT 13h reads) stands in, and KVM must take under half the TCG time.
 * For UEFI, OVMF must also reach its boot manager under KVM. The verdict is cached per process.
 */
import { accessSync, constants } from 'node:fs';
import { copyFile, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { patchBootImg, patchCoreImg } from '../bootloader/grub-bios.js';
import { resolveGrubDir, runGrubMkimage } from '../bootloader/grub-image.js';
import { Runner } from '../exec/runner.js';
import type { Logger } from '../log.js';
import { removeScratchDir } from '../sandbox/mounts.js';
import { encodeProbeBootSector, PROBE_MARKER } from './probe-image.js';
import { OVMF_CODE, OVMF_VARS } from './qemu-args.js';
import { runWatching } from './watch.js';

export type Accel = 'kvm' | 'tcg';
export interface KvmVerdict {
  accel: Accel;
  reason: string;
}

const cache = new Map<string, Promise<KvmVerdict>>();

function kvmDeviceUsable(): boolean {
  try {
    accessSync('/dev/kvm', constants.R_OK | constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

const base = ['-m', '64', '-display', 'none', '-monitor', 'none', '-serial', 'stdio', '-nodefaults', '-no-reboot'];

/** Seconds until the guest printed the marker, or undefined if it did not within the time. */
async function timeToMarker(args: string[], marker: string, timeoutMs: number, log: Logger): Promise<number | undefined> {
  const r = await runWatching({ args, expect: new RegExp(marker), timeoutMs, log });
  return r.end === 'matched' ? r.seconds : undefined;
}

/** A 1 MiB disk that boots GRUB (kind 'grub') or the INT 13h boot sector (kind 'int13'). */
async function writeProbeDisk(disk: string, log: Logger): Promise<'grub' | 'int13'> {
  const dir = dirname(disk);
  const img = Buffer.alloc(1 << 20); // SeaBIOS will not boot a disk of one sector
  const grub = resolveGrubDir(undefined, 'i386-pc');
  let kind: 'grub' | 'int13' = 'int13';
  if (grub) {
    const core = await runGrubMkimage(
      { runner: new Runner(log) },
      {
        platform: 'i386-pc',
        grubDir: grub.dir,
        prefix: '/',
        modules: ['biosdisk', 'serial', 'terminal', 'echo', 'halt'],
        tmpDir: dir,
        config: `serial --unit=0 --speed=115200\nterminal_output serial\necho ${PROBE_MARKER}\nhalt\n`,
      },
    );
    patchBootImg(await readFile(join(grub.dir, 'boot.img')), img.subarray(0, 512), 1).copy(img, 0);
    patchCoreImg(core, 1).copy(img, 512);
    kind = 'grub';
  } else {
    encodeProbeBootSector(3000).copy(img);
  }
  await writeFile(disk, img);
  return kind;
}

async function probeBios(dir: string, log: Logger): Promise<KvmVerdict> {
  const disk = join(dir, 'probe.img');
  const kind = await writeProbeDisk(disk, log);
  const args = (accel: Accel) => [
    '-machine',
    'q35',
    '-accel',
    accel,
    ...base,
    '-device',
    'isa-debug-exit,iobase=0xf4,iosize=0x04',
    '-drive',
    `file=${disk},format=raw,if=virtio,snapshot=on`,
  ];
  const tcg = await timeToMarker(args('tcg'), PROBE_MARKER, 60_000, log);
  if (tcg === undefined) return { accel: 'tcg', reason: 'the probe guest did not complete under TCG either (KVM not tried)' };
  const limit = kind === 'grub' ? Math.max(5, 4 * tcg) : tcg / 2;
  const kvm = await timeToMarker(args('kvm'), PROBE_MARKER, Math.max(5, limit) * 1000, log);
  const what = kind === 'grub' ? 'a GRUB probe' : 'a boot-sector probe';
  if (kvm === undefined || kvm > limit) {
    return { accel: 'tcg', reason: `${what} did not finish under KVM within ${limit.toFixed(1)} s (TCG: ${tcg.toFixed(2)} s): nested or emulated` };
  }
  return { accel: 'kvm', reason: `${what} ran in ${kvm.toFixed(2)} s under KVM (TCG: ${tcg.toFixed(2)} s)` };
}

async function probeUefi(dir: string, log: Logger): Promise<KvmVerdict> {
  const vars = join(dir, 'vars.fd');
  await copyFile(OVMF_VARS, vars);
  const t = await timeToMarker(
    [
      '-machine',
      'q35',
      '-accel',
      'kvm',
      ...base,
      '-drive',
      `if=pflash,format=raw,unit=0,readonly=on,file=${OVMF_CODE}`,
      '-drive',
      `if=pflash,format=raw,unit=1,file=${vars}`,
    ],
    'BdsDxe',
    15_000,
    log,
  );
  return t === undefined
    ? { accel: 'tcg', reason: 'OVMF did not reach its boot manager under KVM within 15 s (emulation failure?)' }
    : { accel: 'kvm', reason: `OVMF reached its boot manager under KVM in ${t.toFixed(2)} s` };
}

/** `tmpDir`: where the probe's scratch directory is made (the boot test's own temp directory). */
export function probeKvm(firmware: 'bios' | 'uefi', log: Logger, tmpDir: string): Promise<KvmVerdict> {
  const hit = cache.get(firmware);
  if (hit) return hit;
  const p = (async (): Promise<KvmVerdict> => {
    if (!kvmDeviceUsable()) return { accel: 'tcg', reason: '/dev/kvm is missing or not accessible' };
    // UEFI needs the BIOS verdict first (the same CPU paths); it is cached for BIOS boots too
    const bios = firmware === 'uefi' ? await probeKvm('bios', log, tmpDir) : undefined;
    if (bios?.accel === 'tcg') return bios;
    const dir = await mkdtemp(join(tmpDir, 'kvm-probe-'));
    try {
      return firmware === 'bios' ? await probeBios(dir, log) : await probeUefi(dir, log);
    } finally {
      removeScratchDir(dir);
    }
  })();
  cache.set(firmware, p);
  return p;
}
