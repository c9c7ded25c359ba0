#!/bin/bash
# Generate the missing SSH host keys (first boot; the image ships none).

set -exu

for key in ecdsa ed25519 rsa; do
    FILE=/etc/ssh/ssh_host_${key}_key
    if ! [ -f "$FILE" ]; then
        /usr/bin/ssh-keygen -q -f "$FILE" -N '' -t "$key"
    fi
done
