# shellcheck shell=bash
# RHEL defaults (Kiln's rhel: bootstrapped with dnf, not from the cloud image). No default mirror: Kiln's rhel driver needs
# DIB_YUM_REPO_CONF (see docs/distros/redhat.md).
export DISTRO_NAME=rhel
export DIB_RELEASE=${DIB_RELEASE:-9}
export EFI_BOOT_DIR="EFI/redhat"
export YUM=dnf
export DIB_YUM_MINIMAL_CREATE_INTERFACES=${DIB_YUM_MINIMAL_CREATE_INTERFACES:-0}
