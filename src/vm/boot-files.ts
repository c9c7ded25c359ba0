/**
 * What a direct kernel boot of a disk image needs, read from the image without mounting it: the
 * kernel, the initrd and the command line of its grub.cfg's default entry, and its systemd default
 * target. grub.cfg is looked for where GRUB reads it (/boot/grub/grub.cfg, grub2/ on Fedora's), on
 * the filesystem the image's fstab mounts at /boot or on the root filesystem.
 */
import { rmSync, statSync, writeFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { KilnError } from '../errors.js';
import type { Runner } from '../exec/runner.js';
import { ExtReader } from '../inspect/ext.js';
import { findRoot, readableFs, readVolumes } from '../shell/disk.js';
import { parseFstab, planMounts, type Volume } from '../shell/fstab.js';
import { asRaw } from '../shell/open.js';

export interface GrubEntry {
  title: string;
  kernel: string;
  initrds: string[];
  args: string;
  /** the filesystem `search --set=root` names */
  search?: { by: 'uuid' | 'label'; value: string };
}

/** Strip a GRUB device prefix: (hd0,gpt2)/boot/x -> /boot/x */
const grubPath = (p: string): string => p.replace(/^\([^)]*\)/, '');

/**
 * The default entry of a grub.cfg: `set default=N` (a number; else the first), its `search
 * --set=root`, `linux` (linuxefi, linux16) and `initrd` lines. Submenus and scripting are not
 * evaluated; a command line that uses GRUB variables is refused.
 */
export function parseGrubCfg(cfg: string, where: string): GrubEntry {
  const entries: GrubEntry[] = [];
  let current: GrubEntry | undefined;
  let depth = 0;
  let def = 0;
  for (const raw of cfg.split('\n')) {
    const line = raw.trim();
    const d = /^set\s+default=["']?(\d+)["']?$/.exec(line);
    if (d && depth === 0) def = Number(d[1]);
    const m = /^menuentry\s+(?:'([^']*)'|"([^"]*)"|(\S+))/.exec(line);
    if (m && depth === 0) {
      current = { title: m[1] ?? m[2] ?? m[3] ?? '', kernel: '', initrds: [], args: '' };
      entries.push(current);
    }
    if (line.endsWith('{')) depth++;
    if (line === '}' || line.startsWith('}')) {
      depth = Math.max(0, depth - 1);
      if (depth === 0) current = undefined;
      continue;
    }
    if (!current) continue;
    const s = /^search\s+.*--set(?:=|\s+)root\s+(.*)$/.exec(line);
    if (s) {
      const value = s[1]!.trim().split(/\s+/).pop()!;
      current.search = { by: /--label|-l\b/.test(line) ? 'label' : 'uuid', value };
    }
    const k = /^linux(?:efi|16)?\s+(\S+)\s*(.*)$/.exec(line);
    if (k) {
      current.kernel = grubPath(k[1]!);
      current.args = k[2]!.trim();
    }
    const i = /^initrd(?:efi|16)?\s+(.+)$/.exec(line);
    if (i) current.initrds = i[1]!.trim().split(/\s+/).map(grubPath);
  }
  const e = entries[def] ?? entries[0];
  if (!e?.kernel) throw new KilnError(`${where}: no menu entry with a linux line`, { hint: 'boot-test --check boots the kernel of the default entry' });
  if (/\$/.test(e.args) || /\$/.test(e.kernel)) {
    throw new KilnError(`${where}: the default entry's kernel line uses GRUB variables: ${e.kernel} ${e.args}`, {
      hint: 'boot-test --check reads plain grub.cfg entries (as Kiln and grub-mkconfig write them)',
    });
  }
  return e;
}

export interface BootFiles {
  kernel: string;
  initrd?: string;
  cmdline: string;
  defaultTarget: string;
  /** where grub.cfg was read, for messages */
  grubCfg: string;
}

function readFrom(raw: string, v: Volume, path: string): Buffer | undefined {
  if (!/^ext[234]$/.test(v.fsType ?? '')) return undefined;
  const r = new ExtReader(raw, v.offset);
  try {
    return r.lookup(path) === undefined ? undefined : r.readFile(path);
  } finally {
    r.close();
  }
}

/** The image's default.target, as the unit name it links to; multi-user.target when it has none. */
function defaultTarget(raw: string, root: Volume): string {
  const r = new ExtReader(raw, root.offset);
  try {
    for (const p of ['/etc/systemd/system/default.target', '/usr/lib/systemd/system/default.target', '/lib/systemd/system/default.target']) {
      const ino = r.lookup(p, false);
      if (ino === undefined) continue;
      const e = r.entry(p, ino, undefined, { content: false });
      if (e.kind === 'symlink' && e.target) return posix.basename(e.target);
    }
  } finally {
    r.close();
  }
  return 'multi-user.target';
}

/** The kernel, initrd (several are concatenated, as GRUB loads them) and command line, written into `dir`. */
export async function readBootFiles(runner: Runner, image: string, dir: string): Promise<BootFiles> {
  const raw = await asRaw(runner, image, dir);
  const volumes = await readVolumes(runner, raw, statSync(raw).size);
  const { root, fstab } = findRoot(raw, image, volumes);
  const plan = planMounts(root, fstab ? parseFstab(fstab) : [], volumes, readableFs);
  const boot = plan.mounts.find((m) => m.mountPoint === '/boot')?.volume;
  const places: [Volume, string][] = [
    ...(boot
      ? ([
          [boot, '/grub/grub.cfg'],
          [boot, '/grub2/grub.cfg'],
        ] as [Volume, string][])
      : []),
    [root, '/boot/grub/grub.cfg'],
    [root, '/boot/grub2/grub.cfg'],
  ];
  let cfg: { text: string; volume: Volume; where: string } | undefined;
  for (const [v, p] of places) {
    const b = readFrom(raw, v, p);
    if (b) {
      cfg = { text: b.toString('utf8'), volume: v, where: `${p} on ${v.name}` };
      break;
    }
  }
  if (!cfg) {
    throw new KilnError(`${image}: no grub.cfg found (looked in /boot/grub and /boot/grub2)`, {
      hint: "boot-test --check boots the kernel the image's grub.cfg names; build the image with the vm element (or bootloader)",
    });
  }
  const entry = parseGrubCfg(cfg.text, cfg.where);
  let holder = cfg.volume;
  if (entry.search) {
    const s = entry.search;
    const hit = volumes.find((v) => (s.by === 'uuid' ? v.uuid?.toLowerCase() === s.value.toLowerCase() : v.label === s.value));
    if (!hit) throw new KilnError(`${cfg.where}: search names a filesystem (${s.by} ${s.value}) that is not in ${image}`);
    holder = hit;
  }
  const read = (p: string): Buffer => {
    const b = readFrom(raw, holder, p);
    if (!b) throw new KilnError(`${image}: ${p} (named in ${cfg.where}) is not on ${holder.name} (${holder.fsType ?? 'no filesystem'})`);
    return b;
  };
  const kernel = join(dir, 'vmlinuz');
  writeFileSync(kernel, read(entry.kernel));
  let initrd: string | undefined;
  if (entry.initrds.length) {
    initrd = join(dir, 'initrd');
    writeFileSync(initrd, Buffer.concat(entry.initrds.map(read)));
  }
  const target = defaultTarget(raw, root);
  // the converted disk is not needed any more: QEMU opens the image itself
  if (raw !== image) rmSync(raw, { force: true });
  return { kernel, ...(initrd ? { initrd } : {}), cmdline: entry.args, defaultTarget: target, grubCfg: cfg.where };
}
