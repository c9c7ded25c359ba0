#!/bin/bash
# Configure DHCP (ifupdown) for an interface, or every interface with a real MAC address, that
# has link and no configuration yet. Installed as /usr/local/sbin/dhcp-all-interfaces.sh; the
# timeout placeholder is replaced at install time.

if [ "${DIB_DEBUG_TRACE:-0}" -gt 0 ]; then
    set -x
fi
set -eu
set -o pipefail

INTERFACE=${1:-} # optional: without it, configure every interface
ENI_FILE="/etc/network/interfaces"
TIMEOUT=DIB_DHCP_TIMEOUT # replaced by the number at install time
PATH=/sbin:$PATH

if [ ! -d /etc/network ]; then
    echo "Unsupported network configuration type (no /etc/network)"
    exit 1
fi

serialize_me() {
    # serialize runs so that hot-added interfaces are not missed
    if [ -z "${FLOCKED:-}" ]; then
        FLOCKED=true exec flock -x "$ENI_FILE" "$0" "$@"
    fi
}

get_if_link() {
    cat "/sys/class/net/${1}/carrier" 2>/dev/null || echo 0
}

interface_is_vlan() {
    # a vlan interface copies its MAC from the lower one: addr_assign_type 2 (stolen)
    local interface=$1 lower
    [ "$(cat "/sys/class/net/${interface}/addr_assign_type")" = "2" ] || return 1
    lower=$(echo "$interface" | cut -f1 -d'.')
    [ -n "$lower" ] && [ "$(cat "/sys/class/net/${lower}/addr_assign_type")" = "0" ]
}

config_exists() {
    local out
    out=$(ifquery "$1" 2>/dev/null) || return 1
    [ -n "$out" ]
}

enable_interface() {
    printf 'auto %s\niface %s inet dhcp\n\n' "$1" "$1" >> "$ENI_FILE"
    echo "Configured $1"
}

inspect_interface() {
    local interface=$1 has_link=0 tries
    echo -n "Inspecting interface: $interface..."
    if config_exists "$interface"; then
        echo "Has config, skipping."
    elif interface_is_vlan "$interface" || [ "$(cat "/sys/class/net/${interface}/addr_assign_type")" = "0" ]; then
        for ((tries = TIMEOUT; tries > 0; tries--)); do
            ip link set dev "$interface" up >/dev/null 2>&1 || true
            has_link=$(get_if_link "$interface")
            [ "$has_link" = "1" ] && break
            sleep 1
        done
        if [ "$has_link" = "1" ]; then
            enable_interface "$interface"
        else
            echo "No link detected, skipping"
        fi
    else
        echo "Device has generated MAC, skipping."
    fi
}

serialize_me "$@"
if [ -n "$INTERFACE" ]; then
    inspect_interface "$INTERFACE"
else
    for iface in /sys/class/net/*; do
        iface=$(basename "$iface")
        [ "$iface" = "lo" ] || inspect_interface "$iface"
    done
fi
