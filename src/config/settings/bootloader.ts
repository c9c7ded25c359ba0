/**
 * DIB's bootloader variables (the bootloader element's README). Kiln writes grub.cfg from the
 * host, reading them from the hooks' environment, as the element's finalise.d reads them in DIB.
 */
import { findArch } from '../../arch/index.js';
import { DEFAULT_CMDLINE } from '../../bootloader/grub-cfg.js';
import { bool, integer, oneOf, text } from '../values.js';
import { setting } from './types.js';

/** DIB's default serial console per architecture (bootloader/finalise.d/50-bootloader), from the arch table. */
export function serialConsoleFor(arch: string): string {
  return findArch(arch)?.serialConsole ?? 'ttyS0,115200';
}

export const BOOTLOADER = {
  bootloaderDefaultCmdline: setting({
    env: ['DIB_BOOTLOADER_DEFAULT_CMDLINE'],
    type: text(),
    default: DEFAULT_CMDLINE,
    group: 'bootloader',
    scopes: ['environment.d'],
    help: 'Kernel arguments after the console ones (empty: the default, as in DIB).',
  }),
  bootloaderUseSerialConsole: setting({
    env: ['DIB_BOOTLOADER_USE_SERIAL_CONSOLE'],
    type: bool('unlessFalse'),
    default: true,
    defaultText: 'True',
    group: 'bootloader',
    scopes: ['environment.d'],
    help: 'A serial console on the kernel command line and in GRUB (DIB: True or False).',
  }),
  bootloaderSerialConsole: setting({
    env: ['DIB_BOOTLOADER_SERIAL_CONSOLE'],
    type: text({ trim: true }),
    group: 'bootloader',
    scopes: ['environment.d'],
    default: (ctx) => serialConsoleFor(ctx.get('arch') as string),
    defaultText: 'ttyS0,115200; ttyAMA0,115200 on arm64; hvc0 on POWER',
    help: 'The serial console device and speed.',
  }),
  bootloaderVirtualTerminal: setting({
    env: ['DIB_BOOTLOADER_VIRTUAL_TERMINAL'],
    type: text({ trim: true }),
    emptyIsValue: true,
    default: 'tty0',
    group: 'bootloader',
    scopes: ['environment.d'],
    help: 'console= for the screen; empty: none.',
  }),
  noTimerCheck: setting({
    env: ['DIB_NO_TIMER_CHECK'],
    type: bool('unlessFalse'),
    default: true,
    defaultText: 'True',
    group: 'bootloader',
    scopes: ['environment.d'],
    help: 'no_timer_check on the kernel command line (DIB: True or False).',
  }),
  grubTimeout: setting({
    env: ['DIB_GRUB_TIMEOUT'],
    type: integer(),
    default: 5,
    group: 'bootloader',
    scopes: ['environment.d'],
    help: 'Seconds the GRUB menu waits.',
  }),
  grubTimeoutStyle: setting({
    env: ['DIB_GRUB_TIMEOUT_STYLE'],
    type: oneOf(['menu', 'countdown', 'hidden']),
    default: 'menu',
    group: 'bootloader',
    scopes: ['environment.d'],
    help: 'How GRUB shows the wait.',
  }),
  skipGrubPackageInstall: setting({
    env: ['DIB_SKIP_GRUB_PACKAGE_INSTALL'],
    type: text(),
    group: 'bootloader',
    scopes: ['hooks'],
    help: 'The bootloader element installs no GRUB packages into the image.',
  }),
  blockDeviceKind: setting({
    env: ['DIB_BLOCK_DEVICE'],
    type: text(),
    group: 'bootloader',
    scopes: ['hooks'],
    defaultText: 'set by the block-device-* element',
    help: 'mbr, gpt or efi: which GRUB packages the bootloader element installs.',
  }),
} as const;
