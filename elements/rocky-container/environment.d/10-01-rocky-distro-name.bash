# shellcheck shell=bash
export DISTRO_NAME=rocky
export DIB_RELEASE=${DIB_RELEASE:-9} # the most recent major (kiln-container has the same default)
export EFI_BOOT_DIR="EFI/rocky"
export DIB_YUM_MINIMAL_CREATE_INTERFACES=0
export DIB_INIT_SYSTEM=systemd
export YUM=dnf
