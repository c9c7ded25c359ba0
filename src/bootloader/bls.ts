/**
 * GRUB2 with Boot Loader Specification entries, as the Red Hat family boots (Fedora 30+, CentOS
 * Stream, RHEL 8+ and their rebuilds): one /boot/loader/entries/<machine-id>-<version>.conf per
 * kernel, read at boot by the `blscfg` command of the distro's GRUB, and a /boot/grub2/grub.cfg that
 * only sets the terminal and the default kernel options and calls `blscfg`. Kernels that dnf installs
 * later add their own entries (kernel-install), which is why these images want BLS rather than a
 * fixed menu. Used only when the image's own GRUB modules have blscfg (Debian's GRUB has no such
 * command); otherwise grub-cfg.ts writes the usual menu.
 */
import { Tree } from '../tree/fs.js';
import { findKernel, formatCmdline, formatGrubHeader, type WriteGrubCfgOptions } from './grub-cfg.js';
import type { GrubPlatform } from './grub-image.js';

export const BLS_ENTRIES = '/boot/loader/entries';
/** the Red Hat family's GRUB directory under /boot (grub2-install's, and where grubby looks) */
export const BLS_GRUB_DIR = 'grub2';

export interface BlsEntry {
  title: string;
  version: string;
  /** paths as GRUB sees them on the filesystem holding /boot */
  linux: string;
  initrd?: string;
  options: string;
  /** the menu class (the os-release ID), as kernel-install writes it */
  grubClass?: string;
}

/** An entry in the format of the distros' kernel-install (20-grub.install): BLS keys, then GRUB's own. */
export function formatBlsEntry(e: BlsEntry): string {
  const lines = [`title ${e.title}`, `version ${e.version}`, `linux ${e.linux}`];
  if (e.initrd) lines.push(`initrd ${e.initrd}`);
  lines.push(`options ${e.options}`, 'grub_users $grub_users', 'grub_arg --unrestricted');
  if (e.grubClass) lines.push(`grub_class ${e.grubClass}`);
  return `${lines.join('\n')}\n`;
}

/** GRUB single quotes: nothing inside expands; a quote is closed, escaped and reopened. */
export function grubQuote(s: string): string {
  return `'${s.replace(/'/g, "'\\''")}'`;
}

/**
 * grub.cfg for blscfg. `kernelopts` is also set because entries written in RHEL 8's style (by
 * grubby or kernel-install there) say `options $kernelopts`.
 */
export function formatBlsGrubCfg(o: Omit<WriteGrubCfgOptions, 'bootIsSeparate'> & { searchUuid: string }): string {
  const lines = [
    ...formatGrubHeader(o),
    `search --no-floppy --fs-uuid --set=root ${o.searchUuid}`,
    `set kernelopts=${grubQuote(formatCmdline({ ...o, kernel: '' }))}`,
    'insmod blscfg',
    'blscfg',
  ];
  return `${lines.join('\n')}\n`;
}

/** os-release KEY=value lines, quotes removed. */
export function parseOsRelease(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (m) out[m[1]!] = m[2]!.replace(/^(["'])(.*)\1$/, '$2');
  }
  return out;
}

/** Does the image's GRUB for each of these platforms have the blscfg module (and a core, so Kiln uses it)? */
export function treeHasBlscfg(treeDir: string, platforms: GrubPlatform[]): boolean {
  const tree = new Tree(treeDir);
  return platforms.length > 0 && platforms.every((p) => tree.isFile(`/usr/lib/grub/${p}/kernel.img`) && tree.isFile(`/usr/lib/grub/${p}/blscfg.mod`));
}

/** <machine-id>-<version>.conf as kernel-install names it; <version>.conf when the image has no machine id (yet). */
export function entryFileName(machineId: string | undefined, version: string): string {
  const id = machineId?.trim();
  return id && /^[0-9a-f]{32}$/.test(id) ? `${id}-${version}.conf` : `${version}.conf`;
}

/**
 * Write the entry for the newest kernel of the tree, replacing any entry the kernel package's
 * scriptlets wrote for it during the build (its options are the build host's command line), and
 * /boot/grub2/grub.cfg. Returns the host paths written.
 */
export function writeBlsConfig(treeDir: string, opts: WriteGrubCfgOptions & { searchUuid: string }): string[] {
  const tree = new Tree(treeDir);
  const k = findKernel(treeDir);
  const dir = opts.bootIsSeparate ? '' : '/boot';
  const osFile = ['/etc/os-release', '/usr/lib/os-release'].find((f) => tree.isFile(f));
  const os = osFile ? parseOsRelease(tree.readFile(osFile).toString('utf8')) : {};
  const machineId = tree.isFile('/etc/machine-id') ? tree.readFile('/etc/machine-id').toString('utf8') : undefined;
  tree.mkdirp(BLS_ENTRIES);
  for (const name of tree.readdir(BLS_ENTRIES)) {
    if (name === `${k.version}.conf` || name.endsWith(`-${k.version}.conf`)) tree.remove(`${BLS_ENTRIES}/${name}`);
  }
  const entry: BlsEntry = {
    title: `${os.NAME ?? 'Linux'} (${k.version})${os.VERSION ? ` ${os.VERSION}` : ''}`,
    version: k.version,
    linux: `${dir}/${k.kernel}`,
    ...(k.initrd ? { initrd: `${dir}/${k.initrd}` } : {}),
    options: formatCmdline({ ...opts, kernel: '' }),
    ...(os.ID ? { grubClass: os.ID } : {}),
  };
  const written = [tree.writeFile(`${BLS_ENTRIES}/${entryFileName(machineId, k.version)}`, formatBlsEntry(entry), 0o644)];
  tree.mkdirp(`/boot/${BLS_GRUB_DIR}`);
  written.push(tree.writeFile(`/boot/${BLS_GRUB_DIR}/grub.cfg`, formatBlsGrubCfg(opts), 0o644));
  return written;
}
