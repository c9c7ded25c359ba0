/** Options of the other `kiln` subcommands (their yargs options are made from these). */
import { bool, decimal, integer, oneOf, text } from '../values.js';
import { setting } from './types.js';

const BLOCK_DEVICE_COMMANDS = ['block-device create', 'plan block-device'];

export const KILN = {
  noBuiltinElements: setting({
    env: ['KILN_NO_BUILTIN_ELEMENTS'], type: bool('one'), default: false, group: 'kiln', scopes: ['kiln'], kiln: true,
    help: "element-info: leave Kiln's own elements out of the element path.",
  }),
  layout: setting({
    long: 'config', arg: 'value', argName: 'FILE', type: text(), group: 'kiln', scopes: ['kiln'], commands: BLOCK_DEVICE_COMMANDS, required: true,
    help: 'DIB block-device YAML (tree or graph form).',
  }),
  root: setting({
    long: 'root', arg: 'value', argName: 'DIR', type: text(), group: 'kiln', scopes: ['kiln'], commands: BLOCK_DEVICE_COMMANDS,
    help: 'Root tree: measured for the image size when none is given; create puts it into the filesystems (without it they are empty).',
  }),
  output: setting({
    long: 'output', arg: 'value', argName: 'IMAGE', type: text(), group: 'kiln', scopes: ['kiln'], commands: ['block-device create'], required: true,
    help: 'Image file to write.',
  }),
  onlyWarnings: setting({
    long: 'quiet', arg: 'none', type: bool('one'), group: 'kiln', scopes: ['kiln'], commands: ['block-device create'], help: 'Only warnings and errors.',
  }),
  json: setting({
    long: 'json', arg: 'none', type: bool('one'), group: 'kiln', scopes: ['kiln'], commands: ['plan block-device', 'cache', 'elements'],
    help: 'Print JSON (machine-readable): the plan, the cache entries, the elements.',
  }),
  uefi: setting({
    long: 'uefi', arg: 'none', type: bool('one'), default: false, group: 'kiln', scopes: ['kiln'], commands: ['boot-test'],
    defaultText: 'off (BIOS)',
    help: 'Boot with OVMF (UEFI: /usr/share/OVMF/OVMF_CODE_4M.fd read-only, and a private copy of OVMF_VARS_4M.fd) instead of SeaBIOS.',
  }),
  timeout: setting({
    long: 'timeout', arg: 'value', argName: 'SECONDS', type: decimal({ positive: true }), default: 300, group: 'kiln', scopes: ['kiln'],
    commands: ['boot-test'], help: 'Seconds to wait for the pattern.',
  }),
  expect: setting({
    long: 'expect', arg: 'value', argName: 'REGEX', type: text(), default: 'login:', group: 'kiln', scopes: ['kiln'], commands: ['boot-test'],
    help: 'JavaScript regular expression the console must show (terminal escapes removed).',
  }),
  memory: setting({
    long: 'memory', arg: 'value', argName: 'MiB', type: integer(1), default: 1024, group: 'kiln', scopes: ['kiln'], commands: ['boot-test'],
    help: 'Guest memory in MiB.',
  }),
  consoleLog: setting({
    long: 'log', arg: 'value', argName: 'FILE', type: text(), group: 'kiln', scopes: ['kiln'], commands: ['boot-test'],
    defaultText: 'a file in the temp directory, removed after a success',
    help: 'Write the raw console here as it arrives (kept after a failure).',
  }),
  accel: setting({
    long: 'accel', arg: 'value', argName: 'auto|kvm|tcg', type: oneOf(['auto', 'kvm', 'tcg']), default: 'auto', group: 'kiln', scopes: ['kiln'],
    commands: ['boot-test'], help: 'auto uses KVM only when a probe guest proves it works; kvm or tcg force one.',
  }),
  format: setting({
    long: 'format', arg: 'value', argName: 'FORMAT', type: text(), group: 'kiln', scopes: ['kiln'], commands: ['boot-test'],
    defaultText: 'detected', help: 'The image format; by default qemu-img info detects it, so raw, qcow2 (also zstd-compressed), vmdk, vhd (vpc) and vhdx all boot.',
  }),
  all: setting({
    long: 'all', arg: 'none', type: bool('one'), group: 'kiln', scopes: ['kiln'], commands: ['cache'], help: 'prune: remove every entry.',
  }),
  olderThan: setting({
    long: 'older-than', arg: 'value', argName: 'DAYS', type: decimal(), group: 'kiln', scopes: ['kiln'], commands: ['cache'],
    help: 'prune: remove entries older than DAYS.',
  }),
  corrupt: setting({
    long: 'corrupt', arg: 'none', type: bool('one'), group: 'kiln', scopes: ['kiln'], commands: ['cache'],
    help: 'prune: remove entries whose tarball does not match its recorded sha256 (reads every tarball).',
  }),
} as const;
