/**
 * The QEMU command line for a boot test, as pure data. The machine is the arch table's: q35 on x86
 * for both firmwares (the machine the reference boots were measured on), virt on arm64; a virtio
 * disk with snapshot=on so the image is never modified, the serial console on stdout, no display,
 * and -no-reboot so a guest that reboots or powers off ends the run.
 */
import type { ArchInfo } from '../arch/index.js';
import { CHECK_PORT } from './guest-check.js';

export const OVMF_CODE = '/usr/share/OVMF/OVMF_CODE_4M.fd';
export const OVMF_VARS = '/usr/share/OVMF/OVMF_VARS_4M.fd';

export interface QemuPlan {
  arch: ArchInfo;
  image: string;
  format: string;
  accel: 'kvm' | 'tcg';
  memoryMiB: number;
  cpus: number;
  /** present for UEFI: OVMF code (read-only) and a private copy of the variable store */
  uefi?: { code: string; vars: string };
  /** firmware debug port 0x402 to this file (x86 only): SeaBIOS reports boot failures ("No bootable device") only there */
  firmwareLog?: string;
  /** direct kernel boot (boot-test --check): the image's kernel, initrd and command line, instead of its boot loader */
  kernel?: { path: string; initrd?: string; cmdline: string };
  /** a virtio serial port named CHECK_PORT, written to this file (the check results' channel) */
  checkPort?: string;
}

/** The qemu-system binary of the plan's arch. */
export function qemuBinary(arch: ArchInfo): string {
  if (!arch.qemu) throw new Error(`no QEMU machine for ${arch.name}`);
  return arch.qemu.system;
}

export function planQemuArgs(p: QemuPlan): string[] {
  const q = p.arch.qemu;
  if (!q) throw new Error(`no QEMU machine for ${p.arch.name}`);
  const x86 = q.machine === 'q35' || q.machine === 'pc';
  const args = [
    '-machine',
    q.machine,
    '-accel',
    p.accel,
    '-m',
    String(p.memoryMiB),
    '-smp',
    String(p.cpus),
    '-display',
    'none',
    '-monitor',
    'none',
    '-serial',
    'stdio',
    '-nodefaults',
    '-no-reboot',
  ];
  if (p.accel === 'kvm') args.push('-cpu', 'host');
  else if (q.cpu) args.push('-cpu', q.cpu);
  if (p.firmwareLog && x86) {
    args.push('-chardev', `file,id=fwlog,path=${p.firmwareLog.replace(/,/g, ',,')}`, '-device', 'isa-debugcon,iobase=0x402,chardev=fwlog');
  }
  if (p.uefi) {
    args.push('-drive', `if=pflash,format=raw,unit=0,readonly=on,file=${p.uefi.code}`, '-drive', `if=pflash,format=raw,unit=1,file=${p.uefi.vars}`);
  }
  // commas in a -drive value are doubled (QEMU option syntax)
  args.push('-drive', `file=${p.image.replace(/,/g, ',,')},format=${p.format},if=virtio,snapshot=on`);
  if (p.kernel) {
    args.push('-kernel', p.kernel.path, ...(p.kernel.initrd ? ['-initrd', p.kernel.initrd] : []), '-append', p.kernel.cmdline);
  }
  if (p.checkPort) {
    args.push(
      '-device',
      'virtio-serial-pci,id=kilnserial',
      '-chardev',
      `file,id=kilnchecks,path=${p.checkPort.replace(/,/g, ',,')}`,
      '-device',
      `virtserialport,bus=kilnserial.0,chardev=kilnchecks,name=${CHECK_PORT}`,
    );
  }
  return args;
}

/** `qemu-img info --output=json` names the format; QEMU wants it explicit for raw. */
export function parseImageFormat(json: string): string {
  const info = JSON.parse(json) as { format?: string };
  if (!info.format) throw new Error('qemu-img info printed no format');
  return info.format;
}
