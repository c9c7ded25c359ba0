# shellcheck shell=bash
# AlmaLinux defaults (Kiln's almalinux-minimal: DIB has only almalinux-container). No default mirror: Kiln's almalinux driver needs
# DIB_DISTRIBUTION_MIRROR or DIB_YUM_REPO_CONF (see docs/distros/redhat.md).
export DISTRO_NAME=almalinux
export DIB_RELEASE=${DIB_RELEASE:-9}
export EFI_BOOT_DIR="EFI/almalinux"
export YUM=dnf
export DIB_YUM_MINIMAL_CREATE_INTERFACES=${DIB_YUM_MINIMAL_CREATE_INTERFACES:-0}
