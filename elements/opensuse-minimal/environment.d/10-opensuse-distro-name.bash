# shellcheck shell=bash
# openSUSE defaults (DIB's opensuse-minimal). No default mirror: Kiln's opensuse driver needs
# DIB_DISTRIBUTION_MIRROR (or DIB_ZYPPER_REPOS). DIB_RELEASE is lower-cased, as in DIB.
export DISTRO_NAME=opensuse
DIB_RELEASE=${DIB_RELEASE:-16.0}
DIB_RELEASE=$(printf '%s' "$DIB_RELEASE" | tr '[:upper:]' '[:lower:]')
export DIB_RELEASE
export EFI_BOOT_DIR="EFI/opensuse"
export DIB_OPENSUSE_PATTERNS=patterns-openSUSE-base
export DIB_INIT_SYSTEM=systemd
