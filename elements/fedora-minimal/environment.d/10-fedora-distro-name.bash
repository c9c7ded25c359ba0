# shellcheck shell=bash
# Fedora defaults (DIB's fedora-minimal). No default mirror: Kiln's fedora driver needs
# DIB_DISTRIBUTION_MIRROR or DIB_YUM_REPO_CONF (see docs/distros/redhat.md).
export DISTRO_NAME=fedora
export DIB_RELEASE=${DIB_RELEASE:-43}
export EFI_BOOT_DIR="EFI/fedora"
export YUM=dnf
export DIB_YUM_MINIMAL_CREATE_INTERFACES=${DIB_YUM_MINIMAL_CREATE_INTERFACES:-0}
