/**
 * The one architecture table. `-a`/ARCH takes DIB's names and aliases; every other name an
 * architecture has (the distro's, the RPM one, the OCI platform, the ELF machine, GRUB's platforms,
 * QEMU's binaries, the binfmt_misc handler) is looked up here and nowhere else.
 */
import { KilnError } from '../errors.js';

export interface ArchInfo {
  /** canonical name: Debian's (dpkg --print-architecture) */
  name: string;
  /** other names DIB and its users pass to -a (uname -m, RPM, Go) */
  aliases: readonly string[];
  /** uname -m inside a system of this arch; also the RPM arch */
  uname: string;
  /** what Node's process.arch says on a host of this arch */
  node: string;
  /** ELF header e_machine, and the ELF class (32 or 64 bits) */
  elf: { machine: number; bits: 32 | 64 };
  /** OCI image-spec platform (GOARCH and variant) */
  oci: { architecture: string; variant?: string };
  /** qemu-user's name for the CPU: the binfmt_misc handler is `qemu-<cpu>`, the binary `qemu-<cpu>-static` */
  qemuCpu: string;
  /** GRUB platforms, in order of preference; empty when Kiln has no bootloader for it */
  grub: { bios?: string; efi?: string };
  /** the removable-media name of the EFI loader (\EFI\BOOT\BOOT<x>.EFI) */
  efiBootFile?: string;
  /** qemu-system for `kiln boot-test`, with its machine type and, under TCG, its CPU; undefined when it cannot boot here */
  qemu?: { system: string; machine: string; cpu?: string; console: string };
  /** UEFI firmware for the boot test: code (read-only) and the variable store copied per boot */
  uefiFirmware?: { code: string; vars: string; package: string };
  /** the serial console DIB's bootloader element defaults to */
  serialConsole: string;
}

const TABLE: readonly ArchInfo[] = [
  {
    name: 'amd64',
    aliases: ['x86_64', 'x86-64', 'x64'],
    uname: 'x86_64',
    node: 'x64',
    elf: { machine: 0x3e, bits: 64 },
    oci: { architecture: 'amd64' },
    qemuCpu: 'x86_64',
    grub: { bios: 'i386-pc', efi: 'x86_64-efi' },
    efiBootFile: 'BOOTX64.EFI',
    qemu: { system: 'qemu-system-x86_64', machine: 'q35', console: 'ttyS0' },
    uefiFirmware: { code: '/usr/share/OVMF/OVMF_CODE_4M.fd', vars: '/usr/share/OVMF/OVMF_VARS_4M.fd', package: 'ovmf' },
    serialConsole: 'ttyS0,115200',
  },
  {
    name: 'arm64',
    aliases: ['aarch64', 'arm64v8'],
    uname: 'aarch64',
    node: 'arm64',
    elf: { machine: 0xb7, bits: 64 },
    oci: { architecture: 'arm64', variant: 'v8' },
    qemuCpu: 'aarch64',
    grub: { efi: 'arm64-efi' },
    efiBootFile: 'BOOTAA64.EFI',
    qemu: { system: 'qemu-system-aarch64', machine: 'virt', cpu: 'cortex-a57', console: 'ttyAMA0' },
    uefiFirmware: { code: '/usr/share/AAVMF/AAVMF_CODE.fd', vars: '/usr/share/AAVMF/AAVMF_VARS.fd', package: 'qemu-efi-aarch64' },
    serialConsole: 'ttyAMA0,115200',
  },
  {
    name: 'i386',
    aliases: ['i686', 'i586', 'x86', '386'],
    uname: 'i686',
    node: 'ia32',
    elf: { machine: 0x03, bits: 32 },
    oci: { architecture: '386' },
    qemuCpu: 'i386',
    grub: { bios: 'i386-pc', efi: 'i386-efi' },
    efiBootFile: 'BOOTIA32.EFI',
    qemu: { system: 'qemu-system-i386', machine: 'q35', console: 'ttyS0' },
    serialConsole: 'ttyS0,115200',
  },
  {
    name: 'armhf',
    aliases: ['armv7l', 'armv7', 'arm'],
    uname: 'armv7l',
    node: 'arm',
    elf: { machine: 0x28, bits: 32 },
    oci: { architecture: 'arm', variant: 'v7' },
    qemuCpu: 'arm',
    grub: { efi: 'arm-efi' },
    efiBootFile: 'BOOTARM.EFI',
    serialConsole: 'ttyAMA0,115200',
  },
  {
    name: 'ppc64el',
    aliases: ['ppc64le'],
    uname: 'ppc64le',
    node: 'ppc64',
    elf: { machine: 0x15, bits: 64 },
    oci: { architecture: 'ppc64le' },
    qemuCpu: 'ppc64le',
    grub: {},
    serialConsole: 'hvc0',
  },
  {
    name: 's390x',
    aliases: [],
    uname: 's390x',
    node: 's390x',
    elf: { machine: 0x16, bits: 64 },
    oci: { architecture: 's390x' },
    qemuCpu: 's390x',
    grub: {},
    serialConsole: 'ttysclp0',
  },
  {
    name: 'riscv64',
    aliases: [],
    uname: 'riscv64',
    node: 'riscv64',
    elf: { machine: 0xf3, bits: 64 },
    oci: { architecture: 'riscv64' },
    qemuCpu: 'riscv64',
    grub: { efi: 'riscv64-efi' },
    efiBootFile: 'BOOTRISCV64.EFI',
    serialConsole: 'ttyS0,115200',
  },
];

export const ARCHES: ReadonlyMap<string, ArchInfo> = new Map(TABLE.map((a) => [a.name, Object.freeze(a)]));

const BY_NAME: ReadonlyMap<string, ArchInfo> = new Map(TABLE.flatMap((a) => [a.name, ...a.aliases].map((n) => [n, a] as const)));

/** Every name -a accepts, canonical first, for help and errors. */
export function archNames(): string {
  return TABLE.map((a) => (a.aliases.length ? `${a.name} (${a.aliases.join(', ')})` : a.name)).join(', ');
}

/** The arch that a name or alias stands for, or undefined. */
export function findArch(name: string): ArchInfo | undefined {
  return BY_NAME.get(name.trim().toLowerCase());
}

/** The arch that a name or alias stands for; an unknown name is a user error that lists the known ones. */
export function resolveArch(name: string): ArchInfo {
  const a = findArch(name);
  if (!a) throw new KilnError(`unknown architecture '${name}'`, { hint: `use one of ${archNames()}` });
  return a;
}

/** The arch of the host Kiln runs on, from Node's process.arch. */
export function hostArchInfo(nodeArch: string = process.arch): ArchInfo | undefined {
  return TABLE.find((a) => a.node === nodeArch);
}

/**
 * Whether a host of arch `host` runs `target`'s binaries without emulation: the same arch, or a
 * 32-bit sibling that 64-bit x86 kernels run (IA32 emulation, on in Debian's kernels).
 */
export function runsNatively(host: ArchInfo, target: ArchInfo): boolean {
  return host.name === target.name || (host.name === 'amd64' && target.name === 'i386');
}
