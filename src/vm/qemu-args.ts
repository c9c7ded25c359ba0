/**
 * The QEMU command line for a boot test, as pure data. q35 for both firmwares (the machine the
 * reference boots were measured on), a virtio disk with snapshot=on so the image is never
 * modified, the serial console on stdout, no display, and -no-reboot so a guest that reboots or
 * powers off ends the run.
 */
export const OVMF_CODE = '/usr/share/OVMF/OVMF_CODE_4M.fd';
export const OVMF_VARS = '/usr/share/OVMF/OVMF_VARS_4M.fd';

export interface QemuPlan {
  image: string;
  format: string;
  accel: 'kvm' | 'tcg';
  memoryMiB: number;
  cpus: number;
  /** present for UEFI: OVMF code (read-only) and a private copy of the variable store */
  uefi?: { code: string; vars: string };
  /** firmware debug port 0x402 to this file: SeaBIOS reports boot failures ("No bootable device") only there */
  firmwareLog?: string;
}

export function planQemuArgs(p: QemuPlan): string[] {
  const args = [
    '-machine',
    'q35',
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
  if (p.firmwareLog) {
    args.push('-chardev', `file,id=fwlog,path=${p.firmwareLog.replace(/,/g, ',,')}`, '-device', 'isa-debugcon,iobase=0x402,chardev=fwlog');
  }
  if (p.uefi) {
    args.push('-drive', `if=pflash,format=raw,unit=0,readonly=on,file=${p.uefi.code}`, '-drive', `if=pflash,format=raw,unit=1,file=${p.uefi.vars}`);
  }
  // commas in a -drive value are doubled (QEMU option syntax)
  args.push('-drive', `file=${p.image.replace(/,/g, ',,')},format=${p.format},if=virtio,snapshot=on`);
  return args;
}

/** `qemu-img info --output=json` names the format; QEMU wants it explicit for raw. */
export function parseImageFormat(json: string): string {
  const info = JSON.parse(json) as { format?: string };
  if (!info.format) throw new Error('qemu-img info printed no format');
  return info.format;
}
