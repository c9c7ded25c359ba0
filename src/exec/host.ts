/** Facts about the host, without running anything. */
import { hostArchInfo } from '../arch/index.js';

/** The host architecture in Debian's names (what dpkg --print-architecture says on Debian). */
export function hostArch(nodeArch: string = process.arch): string {
  return hostArchInfo(nodeArch)?.name ?? nodeArch;
}
