# shellcheck shell=bash
export DIB_ADD_APT_KEYS=${DIB_ADD_APT_KEYS:-""}
