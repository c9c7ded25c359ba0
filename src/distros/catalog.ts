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
  'busybox-minimal': 'none (offline test OS)',
};

/** DIB distro element -> why Kiln does not build it (and what to use instead, when there is something). */
export const DIB_DISTRO_ELEMENTS: Readonly<Record<string, string>> = {
  'centos-minimal': 'the Red Hat family (dnf --installroot) is not supported yet',
  centos: 'the Red Hat family (dnf --installroot) is not supported yet',
  centos7: 'CentOS 7 is end of life',
  'fedora-minimal': 'the Red Hat family (dnf --installroot) is not supported yet',
  fedora: 'the Red Hat family (dnf --installroot) is not supported yet',
  'fedora-container': 'container-based elements are not supported',
  rhel: 'the Red Hat family (dnf --installroot) is not supported yet',
  rhel7: 'RHEL 7 is end of life',
  'rocky-container': 'container-based elements are not supported',
  'almalinux-container': 'container-based elements are not supported',
  containerfile: 'container-based elements are not supported',
  'yum-minimal': 'the Red Hat family (dnf --installroot) is not supported yet',
  'opensuse-minimal': 'openSUSE (zypper --root) is not supported yet',
  opensuse: 'openSUSE (zypper --root) is not supported yet',
  'zypper-minimal': 'openSUSE (zypper --root) is not supported yet',
  gentoo: 'Gentoo is not supported',
  alpine: 'Alpine is not supported',
  arch: 'Arch Linux is not supported',
  'openeuler-minimal': 'openEuler is not supported',
  'ubuntu-systemd-container': 'container-based elements are not supported',
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
