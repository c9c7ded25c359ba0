# shellcheck shell=bash
# Ubuntu defaults (DIB's ubuntu-minimal). No default mirror: Kiln's ubuntu driver needs
# DIB_DISTRIBUTION_MIRROR (see docs/distros/ubuntu.md).
export DISTRO_NAME=ubuntu
export DIB_RELEASE=${DIB_RELEASE:-noble}
export DIB_INIT_SYSTEM=systemd
export EFI_BOOT_DIR="EFI/ubuntu"

export DIB_DEBIAN_COMPONENTS=${DIB_DEBIAN_COMPONENTS:-main,universe}
export DIB_DEBIAN_COMPONENTS_WS=${DIB_DEBIAN_COMPONENTS//,/ }

# The initramfs is built once, in finalise.d/60-ubuntu-initramfs.
export DIB_KILN_INITRAMFS_MODULES=${DIB_KILN_INITRAMFS_MODULES:-most}
