/**
 * DIB's operating-system element names and what Kiln does with each: the ones Kiln has (its own
 * elements of the same name) and the ones it refuses by name before any work, with the reason.
 * Pure data (no imports): the element resolver asks it when a name is not found.
 */

/** Kiln's operating-system elements (elements/<name>), by driver. */
export const KILN_DISTRO_ELEMENTS: Readonly<Record<string, string>> = {
  'debian-minimal': 'debian',
  debian: 'debian',
  'ubuntu-minimal': 'ubuntu',
  ubuntu: 'ubuntu',
  'opensuse-minimal': 'opensuse',
  opensuse: 'opensuse',
  'centos-minimal': 'centos',
  centos: 'centos',
  'fedora-minimal': 'fedora',
  fedora: 'fedora',
  rhel: 'rhel',
  'rocky-minimal': "rocky (Kiln's; DIB has rocky-container)",
  'almalinux-minimal': "almalinux (Kiln's; DIB has almalinux-container)",
  'busybox-minimal': 'none (offline test OS)',
  containerfile: 'container',
  'rocky-container': 'container',
  'almalinux-container': 'container',
  'fedora-container': 'container',
};

/** DIB distro element -> why Kiln does not build it (and what to use instead, when there is something). */
export const DIB_DISTRO_ELEMENTS: Readonly<Record<string, string>> = {
  centos7: 'CentOS 7 is end of life',
  rhel7: 'RHEL 7 is end of life',
  gentoo: 'Gentoo is not supported',
  alpine: 'Alpine is not supported',
  arch: 'Arch Linux is not supported',
  'openeuler-minimal': 'openEuler is not supported',
  'ubuntu-systemd-container': 'deprecated in DIB, where it is debootstrap-based; ubuntu-minimal builds the same tree',
  'ubuntu-signed': 'signed-kernel variants are not supported',
  'debian-upstart': "upstart left Debian after jessie; Kiln's Debian images boot with systemd (debian-minimal)",
};

/** The refusal for a DIB distro element name Kiln does not have, or undefined when the name is not one. */
export function unsupportedDistroElement(name: string): { message: string; hint: string } | undefined {
  const why = DIB_DISTRO_ELEMENTS[name];
  if (!why) return undefined;
  return {
    message: `${name}: DIB's distro element is not supported by Kiln (${why})`,
    hint: `supported operating-system elements: ${Object.keys(KILN_DISTRO_ELEMENTS).sort().join(', ')} (docs/distros/)`,
  };
}
