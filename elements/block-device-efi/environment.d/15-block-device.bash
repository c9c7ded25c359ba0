# shellcheck shell=bash
#
# Arch gate
#

case "${ARCH:-}" in
    ppc64|ppc64le|ppc64el)
        echo "block-device-efi is not supported on Power; use block-device-gpt or block-device-mbr"
        exit 1
        ;;
esac

export DIB_BLOCK_DEVICE=efi
