# shellcheck shell=bash
# Debian defaults (DIB's debian-minimal). No default mirror is exported: without
# DIB_DISTRIBUTION_MIRROR, Kiln's debian driver lets mmdebstrap choose it.
export DISTRO_NAME=debian
export DIB_RELEASE=${DIB_RELEASE:-stable}
export DIB_INIT_SYSTEM=systemd
export EFI_BOOT_DIR="EFI/debian"

if [ -n "${DIB_DEBIAN_DISTRIBUTION_MIRROR:-}" ]; then
    export DIB_DISTRIBUTION_MIRROR=$DIB_DEBIAN_DISTRIBUTION_MIRROR
fi

export DIB_DEBIAN_COMPONENTS=${DIB_DEBIAN_COMPONENTS:-main}
export DIB_DEBIAN_COMPONENTS_WS=${DIB_DEBIAN_COMPONENTS//,/ }

# The initramfs is built once, in finalise.d/60-debian-initramfs (see README.rst).
export DIB_KILN_INITRAMFS_MODULES=${DIB_KILN_INITRAMFS_MODULES:-most}
