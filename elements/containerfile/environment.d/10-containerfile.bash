# shellcheck shell=bash
# The init system of the image (dib-init-system needs one): systemd, as in the distro images the
# *-container elements use; set DIB_INIT_SYSTEM for an image with another one.
export DIB_INIT_SYSTEM=${DIB_INIT_SYSTEM:-systemd}
