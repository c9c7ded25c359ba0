/** Reads the machine an ELF binary is built for from its header (e_machine), as `file` would. */
export const ELF_MACHINE = { i386: 0x03, arm: 0x28, ppc64: 0x15, s390: 0x16, x86_64: 0x3e, aarch64: 0xb7, riscv: 0xf3 } as const;

export function elfMachine(bytes: Buffer): number {
  if (bytes.length < 20 || bytes.readUInt32BE(0) !== 0x7f454c46) throw new Error('not an ELF file');
  // EI_DATA: 1 little-endian, 2 big-endian
  return bytes[5] === 2 ? bytes.readUInt16BE(18) : bytes.readUInt16LE(18);
}
