/**
 * GPT partition types as DIB's `type:` gives them: sgdisk short codes (`sgdisk -L`) or full type
 * GUIDs. DIB hands them to `sgdisk -t N:<code>`; Kiln turns them into the type GUID itself.
 */
import { KilnError } from '../../errors.js';
import { isGuid } from '../common/guid.js';

/** sgdisk 1.0.9 short type codes (`sgdisk -L`); GUIDs checked against sgdisk in the tests. */
const TYPE_CODES: Record<string, string> = {
  '0700': 'EBD0A0A2-B9E5-4433-87C0-68B6B72699C7', // Microsoft basic data
  '0c01': 'E3C9E316-0B5C-4DB8-817D-F92DF00215AE', // Microsoft reserved
  '4100': '9E1A2D38-C612-4316-AA26-8B49521E5A8B', // PowerPC PReP boot
  '8200': '0657FD6D-A4AB-43C4-84E5-0933C84B4F4F', // Linux swap
  '8300': '0FC63DAF-8483-4772-8E79-3D69D8477DE4', // Linux filesystem
  '8301': '8DA63339-0007-60C0-C436-083AC8230908', // Linux reserved
  '8302': '933AC7E1-2EB4-4F13-B844-0E14E2AEF915', // Linux /home
  '8303': '44479540-F297-41B2-9AF7-D131D5F0458A', // Linux x86 root (/)
  '8304': '4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709', // Linux x86-64 root (/)
  '8305': 'B921B045-1DF0-41C3-AF44-4C6F280D3FAE', // Linux ARM64 root (/)
  '8e00': 'E6D6D379-F507-44C2-A23C-238F2A3DF928', // Linux LVM
  a500: '516E7CB4-6ECF-11D6-8FF8-00022D09712B', // FreeBSD disklabel
  a501: '83BD6B9D-7F41-11DC-BE0B-001560B84F0F', // FreeBSD boot
  a502: '516E7CB5-6ECF-11D6-8FF8-00022D09712B', // FreeBSD swap
  a503: '516E7CB6-6ECF-11D6-8FF8-00022D09712B', // FreeBSD UFS
  a504: '516E7CBA-6ECF-11D6-8FF8-00022D09712B', // FreeBSD ZFS
  ab00: '426F6F74-0000-11AA-AA11-00306543ECAC', // Apple boot (Recovery HD)
  af00: '48465300-0000-11AA-AA11-00306543ECAC', // Apple HFS/HFS+
  bf00: '6A85CF4D-1DD2-11B2-99A6-080020736631', // Solaris root
  ea00: 'BC13C2FF-59E6-4262-A352-B275FD6F7172', // XBOOTLDR (Freedesktop $BOOT)
  ef00: 'C12A7328-F81F-11D2-BA4B-00A0C93EC93B', // EFI system partition
  ef01: '024DEE41-33E7-11D3-9D69-0008C781F39F', // MBR partition scheme
  ef02: '21686148-6449-6E6F-744E-656564454649', // BIOS boot partition
  fd00: 'A19D880F-05FC-4D3B-A006-743F0F84911E', // Linux RAID
};

export function gptTypeCodes(): string[] {
  return Object.keys(TYPE_CODES);
}

/** Type GUID for an sgdisk short code (case-insensitive, optional 0x) or a full GUID (passed through). */
export function gptTypeGuid(code: string): string {
  const c = code.trim().toLowerCase().replace(/^0x/, '');
  const known = TYPE_CODES[c];
  if (known) return known;
  if (isGuid(c)) return c.toUpperCase();
  throw new KilnError(`unknown GPT partition type '${code}'`, {
    hint: `use an sgdisk type code (e.g. EF00 EFI system, EF02 BIOS boot, 8300 Linux, 8304 x86-64 root, 8200 swap, 8E00 LVM, FD00 RAID; known: ${gptTypeCodes().join(' ')}) or a full type GUID`,
  });
}
