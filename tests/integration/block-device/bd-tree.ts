/** Fixture for the block-device executor tests: a tree spanning several mount points, and readers. */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  closeSync,
  ftruncateSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  readSync,
  symlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';

export const isRoot = process.getuid?.() === 0;

/**
 * /etc/hostname 0644, /etc/shadow 0640 0:42, /home/alice 0700 1000:1000 with notes.txt 1000:1000,
 * /boot/vmlinuz, /boot/efi/EFI/BOOT/BOOTX64.EFI, /var/log/syslog, /var/lib/x -> ../log/syslog,
 * /srv/data/blob (200 KiB), /usr/bin/tool 0755, /tmp 1777, /link -> usr/bin/tool.
 * `shift` maps owners (tree ids as seen from the host for a rootless build).
 */
export function makeBdTree(root: string, shift: (id: number) => number = (id) => id): void {
  const d = (p: string, mode = 0o755): void => {
    mkdirSync(join(root, p), { recursive: true });
    chmodSync(join(root, p), mode);
  };
  const f = (p: string, content: string | Buffer, mode = 0o644): void => {
    writeFileSync(join(root, p), content);
    chmodSync(join(root, p), mode);
  };
  d('.');
  d('etc');
  d('home/alice', 0o700);
  d('boot/efi/EFI/BOOT');
  d('var/log');
  d('var/lib');
  d('srv/data');
  d('usr/bin');
  d('tmp', 0o1777);
  f('etc/hostname', 'kiln-bd\n');
  f('etc/shadow', 'root:*:19000::::::\n', 0o640);
  f('home/alice/notes.txt', 'alice was here\n', 0o600);
  f('boot/vmlinuz', Buffer.alloc(64 * 1024, 0x4b));
  f('boot/efi/EFI/BOOT/BOOTX64.EFI', Buffer.alloc(32 * 1024, 0x45));
  f('var/log/syslog', 'log line\n');
  f('srv/data/blob', Buffer.alloc(200 * 1024, 0x62));
  f('usr/bin/tool', '#!/bin/sh\necho tool\n', 0o755);
  symlinkSync('../log/syslog', join(root, 'var/lib/x'));
  symlinkSync('usr/bin/tool', join(root, 'link'));
  if (!isRoot) return;
  const own = (p: string, u: number, g: number): void => chownSync(join(root, p), shift(u), shift(g));
  for (const p of [
    '.',
    'etc',
    'etc/hostname',
    'home',
    'boot',
    'boot/efi',
    'boot/efi/EFI',
    'boot/efi/EFI/BOOT',
    'boot/efi/EFI/BOOT/BOOTX64.EFI',
    'boot/vmlinuz',
    'var',
    'var/log',
    'var/log/syslog',
    'var/lib',
    'srv',
    'srv/data',
    'srv/data/blob',
    'usr',
    'usr/bin',
    'usr/bin/tool',
    'tmp',
  ])
    own(p, 0, 0);
  own('etc/shadow', 0, 42);
  own('home/alice', 1000, 1000);
  own('home/alice/notes.txt', 1000, 1000);
  spawnSync('chown', ['-h', `${shift(0)}:${shift(0)}`, join(root, 'var/lib/x'), join(root, 'link')]);
}

export function sh(cmd: string, args: string[]): { status: number; out: string; stdout: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env: { ...process.env, MTOOLS_SKIP_CHECK: '1' } });
  return { status: r.status ?? -1, out: `${r.stdout ?? ''}${r.stderr ?? ''}`, stdout: r.stdout ?? '' };
}

/** debugfs on the ext filesystem at a byte offset. */
export function debugfs(image: string, offset: number, request: string): string {
  return sh('debugfs', ['-R', request, `${image}?offset=${offset}`]).stdout;
}

/** `stat` of a path inside an ext filesystem: [mode (octal, with type), uid, gid]. */
export function extStat(image: string, offset: number, path: string): { mode: number; uid: number; gid: number; link?: string } {
  const t = debugfs(image, offset, `stat "${path}"`);
  const m = /Mode:\s+(\d+)/.exec(t);
  const u = /User:\s+(\d+)\s+Group:\s+(\d+)/.exec(t);
  const l = /Fast link dest: "(.*)"/.exec(t);
  const type = /Type: (\w+)/.exec(t)?.[1];
  if (!m || !u) throw new Error(`debugfs stat ${path}: ${t}`);
  const kind = type === 'directory' ? 0o040000 : type === 'symlink' ? 0o120000 : 0o100000;
  return { mode: kind | Number.parseInt(m[1]!, 8), uid: Number(u[1]), gid: Number(u[2]), ...(l ? { link: l[1]! } : {}) };
}

export function extract(image: string, offset: number, size: number, out: string): string {
  const fd = openSync(image, 'r');
  const wfd = openSync(out, 'w');
  const buf = Buffer.alloc(1024 * 1024);
  try {
    ftruncateSync(wfd, size); // sparse: only non-zero chunks are written
    for (let done = 0; done < size; ) {
      const n = readSync(fd, buf, 0, Math.min(buf.length, size - done), offset + done);
      if (n <= 0) break;
      if (buf.subarray(0, n).some((b) => b !== 0)) writeSync(wfd, buf, 0, n, done);
      done += n;
    }
  } finally {
    closeSync(fd);
    closeSync(wfd);
  }
  return out;
}

/**
 * One line per entry under `dir`: path, type, mode, owner, size, content hash or link target.
 * Entries below `prune` (mount points of other filesystems) are left out; the directories stay.
 */
export function manifest(dir: string, prune: string[] = [], skip: string[] = []): string[] {
  const out: string[] = [];
  const walk = (rel: string): void => {
    for (const name of readdirSync(join(dir, rel)).sort()) {
      const r = rel ? `${rel}/${name}` : name;
      if (skip.includes(r)) continue;
      const st = lstatSync(join(dir, r));
      const what = st.isSymbolicLink()
        ? `-> ${readlinkSync(join(dir, r))}`
        : st.isFile()
          ? createHash('sha256')
              .update(readFileSync(join(dir, r)))
              .digest('hex')
              .slice(0, 16)
          : '';
      // debugfs rdump drops the sticky/setgid bits of directories: they are checked with extStat
      const mode = st.isDirectory() ? st.mode & ~0o7000 : st.mode;
      out.push(`${r} ${(mode & 0o177777).toString(8)} ${st.uid}:${st.gid} ${st.isFile() ? st.size : ''} ${what}`);
      if (st.isDirectory() && !prune.includes(r)) walk(r);
    }
  };
  walk('');
  return out;
}

/** rdump an ext filesystem (owners and modes kept, as root) and return its manifest. */
export function extManifest(image: string, offset: number, scratch: string): string[] {
  mkdirSync(scratch, { recursive: true });
  const r = sh('debugfs', ['-R', `rdump / ${scratch}`, `${image}?offset=${offset}`]);
  if (r.status !== 0) throw new Error(r.out);
  return manifest(scratch, [], ['lost+found']);
}
