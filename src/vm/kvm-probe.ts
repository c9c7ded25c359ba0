/**
 * Is KVM usable for boot tests? /dev/kvm existing is not enough: in a nested VM guests crash
 * ("KVM internal error ... emulation failure" under OVMF) or crawl (SeaBIOS + GRUB real mode).
 * The probe boots a tiny disk (probe-image.ts: 3000 INT 13h reads, then a marker) under KVM and
 * under TCG and keeps KVM only when it reaches the marker AND beats TCG; for UEFI, OVMF must also
 * reach its boot manager under KVM. The verdict is cached per process.
 */
import { accessSync, constants } from 'node:fs';
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '../log.js';
import { encodeProbeBootSector, PROBE_MARKER } from './probe-image.js';
import { OVMF_CODE, OVMF_VARS } from './qemu-args.js';
import { runWatching } from './watch.js';

export type Accel = 'kvm' | 'tcg';
export interface KvmVerdict { accel: Accel; reason: string }

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

/** Seconds until the guest printed `marker`, or undefined if it never did. */
async function timeToMarker(args: string[], marker: string, timeoutMs: number, log: Logger): Promise<number | undefined> {
  const r = await runWatching({ args, expect: new RegExp(marker), timeoutMs, log });
  return r.end === 'matched' ? r.seconds : undefined;
}

async function probeBios(dir: string, log: Logger): Promise<KvmVerdict> {
  const disk = join(dir, 'probe.img');
  const img = Buffer.alloc(1 << 20); // SeaBIOS will not boot a disk of one sector
  encodeProbeBootSector(3000).copy(img);
  await writeFile(disk, img);
  const args = (accel: Accel) => ['-machine', 'q35', '-accel', accel, ...base,
    '-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04', '-drive', `file=${disk},format=raw,if=virtio,snapshot=on`];
  const kvm = await timeToMarker(args('kvm'), PROBE_MARKER, 20_000, log);
  if (kvm === undefined) return { accel: 'tcg', reason: 'a probe guest did not complete under KVM' };
  const tcg = await timeToMarker(args('tcg'), PROBE_MARKER, 60_000, log);
  if (tcg !== undefined && kvm >= tcg) {
    return { accel: 'tcg', reason: `KVM ran the probe slower than TCG (${kvm.toFixed(2)} s vs ${tcg.toFixed(2)} s): nested or emulated` };
  }
  return { accel: 'kvm', reason: `KVM ran the probe in ${kvm.toFixed(2)} s (TCG ${tcg?.toFixed(2) ?? '?'} s)` };
}

async function probeUefi(dir: string, log: Logger): Promise<KvmVerdict> {
  const vars = join(dir, 'vars.fd');
  await copyFile(OVMF_VARS, vars);
  const t = await timeToMarker(['-machine', 'q35', '-accel', 'kvm', ...base,
    '-drive', `if=pflash,format=raw,unit=0,readonly=on,file=${OVMF_CODE}`,
    '-drive', `if=pflash,format=raw,unit=1,file=${vars}`], 'BdsDxe', 15_000, log);
  return t === undefined
    ? { accel: 'tcg', reason: 'OVMF did not reach its boot manager under KVM (emulation failure?)' }
    : { accel: 'kvm', reason: `OVMF reached its boot manager under KVM in ${t.toFixed(2)} s` };
}

export function probeKvm(firmware: 'bios' | 'uefi', log: Logger): Promise<KvmVerdict> {
  const hit = cache.get(firmware);
  if (hit) return hit;
  const p = (async (): Promise<KvmVerdict> => {
    if (!kvmDeviceUsable()) return { accel: 'tcg', reason: '/dev/kvm is missing or not accessible' };
    const dir = await mkdtemp(join(tmpdir(), 'kiln-kvm-probe-'));
    try {
      const bios = await probeBios(dir, log);
      if (bios.accel === 'tcg' || firmware === 'bios') return bios;
      return await probeUefi(dir, log);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  })();
  cache.set(firmware, p);
  return p;
}
