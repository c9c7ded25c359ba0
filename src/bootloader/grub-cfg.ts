/**
 * grub.cfg for the image, written into the tree before assembly (there is no grub-mkconfig run:
 * the tree needs no GRUB package). Mirrors what DIB's bootloader element asks grub-mkconfig for:
 * serial + console terminal, `console=tty0 console=ttyS0,115200 no_timer_check` and
 * DIB_BOOTLOADER_DEFAULT_CMDLINE on the kernel command line, DIB_GRUB_TIMEOUT.
 */
import { KilnError } from '../errors.js';
import { Tree } from '../tree/fs.js';

export interface GrubCfgOptions {
  /** kernel and initrd paths as GRUB sees them on the boot filesystem, e.g. /boot/vmlinuz-6.1.0-26-amd64 */
  kernel: string;
  initrd?: string;
  /** root= on the kernel command line: UUID wins over label */
  rootUuid?: string;
  rootLabel?: string;
  /** UUID of the filesystem holding the kernel; grub.cfg searches for it again (as grub-mkconfig does) */
  bootFsUuid?: string;
  /** DIB_BOOTLOADER_DEFAULT_CMDLINE, default "nofb nomodeset gfxpayload=text" */
  defaultCmdline?: string;
  /** extra kernel arguments appended last */
  extraCmdline?: string;
  /** serial console device (DIB_BOOTLOADER_SERIAL_CONSOLE), default ttyS0,115200; null = none (DIB_BOOTLOADER_USE_SERIAL_CONSOLE=false) */
  serial?: string | null;
  /** DIB_BOOTLOADER_VIRTUAL_TERMINAL, default tty0; '' = none */
  virtualTerminal?: string;
  /** DIB_NO_TIMER_CHECK, default true */
  noTimerCheck?: boolean;
  /** DIB_GRUB_TIMEOUT seconds, default 5 */
  timeout?: number;
  /** DIB_GRUB_TIMEOUT_STYLE, default menu */
  timeoutStyle?: 'menu' | 'countdown' | 'hidden';
  /** menu entry title */
  title?: string;
}

export const DEFAULT_CMDLINE = 'nofb nomodeset gfxpayload=text';

export function formatCmdline(o: GrubCfgOptions): string {
  const root = o.rootUuid ? `root=UUID=${o.rootUuid}` : o.rootLabel ? `root=LABEL=${o.rootLabel}` : undefined;
  if (!root)
    throw new KilnError('grub.cfg needs the root filesystem UUID or label', { hint: 'give the root filesystem a UUID or label in the block-device layout' });
  const parts = [root, 'ro'];
  const serial = o.serial === undefined ? 'ttyS0,115200' : o.serial;
  const vt = o.virtualTerminal ?? 'tty0';
  if (serial !== null) {
    if (vt) parts.push(`console=${vt}`);
    parts.push(`console=${serial}`);
  }
  if (o.noTimerCheck ?? true) parts.push('no_timer_check');
  parts.push(o.defaultCmdline ?? DEFAULT_CMDLINE);
  if (o.extraCmdline) parts.push(o.extraCmdline);
  return parts.filter((p) => p.trim() !== '').join(' ');
}

function serialUnitSpeed(serial: string): { unit: number; speed: number } {
  const m = /^ttyS(\d+)(?:,(\d+))?/.exec(serial);
  return { unit: m ? Number(m[1]) : 0, speed: m?.[2] ? Number(m[2]) : 115200 };
}

/** The lines every grub.cfg of Kiln's starts with: the menu's default and wait, and the serial terminal. */
export function formatGrubHeader(o: Pick<GrubCfgOptions, 'serial' | 'timeout' | 'timeoutStyle'>): string[] {
  const serial = o.serial === undefined ? 'ttyS0,115200' : o.serial;
  const lines = [
    '# written by kiln (bootloader); regenerate the image to change it',
    'set default=0',
    `set timeout=${o.timeout ?? 5}`,
    `set timeout_style=${o.timeoutStyle ?? 'menu'}`,
  ];
  // GRUB drives a PC UART (ttyS<n>) itself; other consoles (ttyAMA0 on arm64, hvc0) are the
  // firmware's console, which GRUB's default terminal already writes to
  if (serial !== null && /^ttyS\d/.test(serial)) {
    const { unit, speed } = serialUnitSpeed(serial);
    lines.push(`serial --speed=${speed} --unit=${unit} --word=8 --parity=no --stop=1`, 'terminal_input serial console', 'terminal_output serial console');
  }
  return lines;
}

export function formatGrubCfg(o: GrubCfgOptions): string {
  const lines = formatGrubHeader(o);
  const search = o.bootFsUuid ? [`  search --no-floppy --fs-uuid --set=root ${o.bootFsUuid}`] : [];
  lines.push(`menuentry '${(o.title ?? 'Linux').replace(/'/g, '')}' {`, ...search, `  linux ${o.kernel} ${formatCmdline(o)}`);
  if (o.initrd) lines.push(`  initrd ${o.initrd}`);
  lines.push('}');
  return `${lines.join('\n')}\n`;
}

/** Newest first by version order of the name suffix (vmlinuz-6.1.0-26 before vmlinuz-6.1.0-9). */
function newest(names: string[], prefix: string): string | undefined {
  const cands = names.filter((n) => n.startsWith(prefix) && !n.endsWith('.old') && !n.endsWith('.bak'));
  return cands.sort((a, b) => b.localeCompare(a, 'en', { numeric: true }))[0];
}

export interface KernelFiles {
  kernel: string;
  initrd?: string;
  version: string;
}

/** The newest /boot/vmlinuz-* and its initrd (initrd.img-*, initramfs-*.img, initrd-*) in the tree (names only; /boot resolved in the tree). */
export function findKernel(treeDir: string): KernelFiles {
  const tree = new Tree(treeDir);
  const names = tree.isDirectory('/boot') ? tree.readdir('/boot') : [];
  const kernel = newest(names, 'vmlinuz-');
  if (!kernel) {
    throw new KilnError('no kernel (vmlinuz-*) in /boot of the image tree', {
      where: '/boot in the image tree',
      hint: 'install a kernel package in the image (the debian element does)',
    });
  }
  const version = kernel.slice('vmlinuz-'.length);
  // Debian's, Fedora's and openSUSE's names
  const initrd = [`initrd.img-${version}`, `initramfs-${version}.img`, `initrd-${version}`].find((n) => names.includes(n));
  return initrd ? { kernel, initrd, version } : { kernel, version };
}

export type WriteGrubCfgOptions = Omit<GrubCfgOptions, 'kernel' | 'initrd'> & {
  /** /boot is its own filesystem: paths in grub.cfg are then relative to it */
  bootIsSeparate?: boolean;
};

/**
 * Write the tree's /boot/grub/grub.cfg for the newest kernel in the tree; returns its host path.
 * Symlinks on the way (/boot/grub, grub.cfg) are followed inside the tree (src/tree), never out of it.
 */
export function writeGrubCfg(treeDir: string, opts: WriteGrubCfgOptions): string {
  const k = findKernel(treeDir);
  const dir = opts.bootIsSeparate ? '' : '/boot';
  const cfg = formatGrubCfg({
    title: `Linux ${k.version}`,
    ...opts,
    kernel: `${dir}/${k.kernel}`,
    ...(k.initrd ? { initrd: `${dir}/${k.initrd}` } : {}),
  });
  const tree = new Tree(treeDir);
  tree.mkdirp('/boot/grub');
  return tree.writeFile('/boot/grub/grub.cfg', cfg, 0o644);
}
