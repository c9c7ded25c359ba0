# shellcheck shell=bash
export DISTRO_NAME=fedora
export DIB_RELEASE=${DIB_RELEASE:-43} # kiln-container has the same default
export EFI_BOOT_DIR="EFI/fedora"
export DIB_INIT_SYSTEM=systemd
export YUM=dnf
