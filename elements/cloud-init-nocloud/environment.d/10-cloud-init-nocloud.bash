# shellcheck shell=bash
export DIB_CLOUD_INIT_DATASOURCES="NoCloud"
