/**
 * DIB's package set for `debian-minimal vm`, resolved by the host's apt from DIB's element files
 * (dib-package-requests.ts), and the differences Kiln keeps on purpose (docs/dib-migration.md).
 */
import { aptSimulate } from './apt-sim.js';
import { dibDebianMinimalVmRequests } from './dib-package-requests.js';

/** Only in DIB's image: grub-pc and its dependencies. Kiln writes GRUB's boot code itself and
 * installs grub-pc-bin, whose package scripts never run grub-install on a device. */
export const DIB_ONLY_GRUB_PC = ['grub-pc', 'grub2-common', 'sensible-utils', 'ucf'];
/** Only in Kiln's image: zstd, which the initramfs is compressed with. */
export const KILN_ONLY = ['zstd'];

export function dibDebianMinimalVmSet(release: string): Set<string> {
  const req = dibDebianMinimalVmRequests(release);
  return aptSimulate([
    { packages: req.filter((r) => r.recommends).flatMap((r) => r.packages), recommends: true },
    { packages: req.filter((r) => !r.recommends).flatMap((r) => r.packages), recommends: false },
  ]);
}
