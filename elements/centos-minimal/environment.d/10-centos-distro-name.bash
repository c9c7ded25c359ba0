# shellcheck shell=bash
# CentOS Stream defaults (DIB's centos-minimal). No default mirror: Kiln's centos driver needs
# DIB_DISTRIBUTION_MIRROR or DIB_YUM_REPO_CONF (see docs/distros/redhat.md).
export DISTRO_NAME=centos
export DIB_RELEASE=${DIB_RELEASE:-9-stream}
export EFI_BOOT_DIR="EFI/centos"
export YUM=dnf
export DIB_YUM_MINIMAL_CREATE_INTERFACES=${DIB_YUM_MINIMAL_CREATE_INTERFACES:-0}
