# shellcheck shell=bash
# The Red Hat family's defaults (DIB's redhat-common).
export DIB_DISABLE_KERNEL_CLEANUP=${DIB_DISABLE_KERNEL_CLEANUP:-0}
export DIB_INIT_SYSTEM=systemd
