#!/bin/bash
# Generate the missing SSH host keys (first boot; the image ships none).

# runs at boot, where DIB_DEBUG_TRACE is not set
# dib-lint: disable=dibdebugtrace
set -exu
set -o pipefail

for key in ecdsa ed25519 rsa; do
    FILE=/etc/ssh/ssh_host_${key}_key
    if ! [ -f "$FILE" ]; then
        /usr/bin/ssh-keygen -q -f "$FILE" -N '' -t "$key"
    fi
done
