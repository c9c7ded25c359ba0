/**
 * GRUB for UEFI: a file copy onto the ESP with mtools at a byte offset (`-i image@@offset`), no
 * mount. \EFI\BOOT\BOOT<arch>.EFI (BOOTX64, BOOTAA64, BOOTIA32) is the removable-media fallback
 * path, so no NVRAM entry is needed; \EFI\debian\grub<arch>.efi is where Debian's grub-install
 * puts it (the Red Hat family's is \EFI\<vendor>, from the distro data's grub.efi_dir).
 * mcopy without -m: -m would copy the host file's mtime into the image (not reproducible).
 */
import type { Runner } from '../exec/runner.js';

export interface EspLocation {
  image: string;
  offsetBytes: number;
}

/**
 * Where the loader goes on the ESP, for the removable-media name of the arch (BOOTX64.EFI...) and
 * the distro's directory (EFI/debian; the Red Hat family's EFI/<vendor>: fedora, centos, redhat...).
 */
export function espPaths(bootFile = 'BOOTX64.EFI', vendor = 'debian'): string[] {
  const suffix = bootFile.replace(/^BOOT|\.EFI$/gi, '').toLowerCase();
  return [`::/EFI/BOOT/${bootFile}`, `::/EFI/${vendor}/grub${suffix}.efi`];
}

export const ESP_PATHS = espPaths('BOOTX64.EFI');

function mtoolsEnv(epoch: number): Record<string, string> {
  // MTOOLS_SKIP_CHECK: the FAT may be sized by us, not by a floppy geometry mtools expects.
  return { MTOOLS_SKIP_CHECK: '1', SOURCE_DATE_EPOCH: String(epoch), MTOOLSRC: '/dev/null' };
}

/** Create ::/dir and its parents, leaving existing ones alone. */
async function makeDirs(runner: Runner, at: string, dirs: string[], env: Record<string, string>): Promise<void> {
  const listing = await runner.run('mdir', ['-i', at, '-/', '-b', '::/'], { env, okExitCodes: [1] });
  const existing = new Set(listing.stdout.split('\n').map((l) => l.trim().replace(/\/$/, '').toUpperCase()));
  for (const d of dirs) {
    if (existing.has(`::/${d}`.toUpperCase())) continue;
    await runner.run('mmd', ['-i', at, `::/${d}`], { env, context: `create ${d} on the ESP` });
  }
}

/** Copy the EFI binary to each path of espPaths(bootFile, vendor) (overwriting). */
export async function writeEspFiles(
  runner: Runner,
  esp: EspLocation,
  efiFile: string,
  epoch: number,
  bootFile = 'BOOTX64.EFI',
  vendor = 'debian',
): Promise<void> {
  const env = mtoolsEnv(epoch);
  const at = `${esp.image}@@${esp.offsetBytes}`;
  await makeDirs(runner, at, ['EFI', 'EFI/BOOT', `EFI/${vendor}`], env);
  for (const dest of espPaths(bootFile, vendor)) {
    await runner.run('mcopy', ['-o', '-i', at, efiFile, dest], { env, context: `copy GRUB to ${dest} on the ESP` });
  }
}
