/** Facts about the host, without running anything. */
const ARCH: Record<string, string> = { x64: 'amd64', arm64: 'arm64', ia32: 'i386', arm: 'armhf', ppc64: 'ppc64el', s390x: 's390x', riscv64: 'riscv64' };

/** The host architecture in Debian's names (what dpkg --print-architecture says on Debian). */
export function hostArch(nodeArch: string = process.arch): string {
  return ARCH[nodeArch] ?? nodeArch;
}
