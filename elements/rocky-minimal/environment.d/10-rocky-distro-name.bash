# shellcheck shell=bash
# Rocky Linux defaults (Kiln's rocky-minimal: DIB has only rocky-container). No default mirror: Kiln's rocky driver needs
# DIB_DISTRIBUTION_MIRROR or DIB_YUM_REPO_CONF (see docs/distros/redhat.md).
export DISTRO_NAME=rocky
export DIB_RELEASE=${DIB_RELEASE:-9}
export EFI_BOOT_DIR="EFI/rocky"
export YUM=dnf
export DIB_YUM_MINIMAL_CREATE_INTERFACES=${DIB_YUM_MINIMAL_CREATE_INTERFACES:-0}
