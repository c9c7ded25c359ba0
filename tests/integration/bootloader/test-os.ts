/**
 * A throw-away OS for boot tests that proves the boot chain without the Debian pipeline: Debian's
 * kernel (apt-get download, cached in ~/.cache/kiln-test/kernel) and a busybox initramfs whose
 * /init prints a marker and a fake login prompt, then powers off.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';

export const INIT_MARKER = 'KILN-TEST-INIT-MARKER';
export const BUSYBOX = '/bin/busybox';

/** vmlinuz of Debian's current linux-image-amd64 dependency; downloaded once. */
export function cachedKernel(cacheDir = join(homedir(), '.cache/kiln-test/kernel')): { path: string; version: string } {
  mkdirSync(cacheDir, { recursive: true });
  const find = () => readdirSync(join(cacheDir, 'boot'), { withFileTypes: true }).find((e) => e.name.startsWith('vmlinuz-'))?.name;
  let name = existsSync(join(cacheDir, 'boot')) ? find() : undefined;
  if (!name) {
    const deps = execFileSync('apt-cache', ['depends', 'linux-image-amd64'], { encoding: 'utf8' });
    const pkg = /Depends: (linux-image-\S+)/.exec(deps)?.[1];
    if (!pkg) throw new Error(`apt-cache depends linux-image-amd64 names no linux-image package:\n${deps}`);
    const dl = mkdtempSync(join(tmpdir(), 'kiln-kernel-'));
    try {
      execFileSync('apt-get', ['download', '-q', pkg], { cwd: dl, stdio: ['ignore', 'ignore', 'inherit'] });
      const deb = readdirSync(dl).find((f) => f.endsWith('.deb'));
      if (!deb) throw new Error(`apt-get download ${pkg} left no .deb`);
      const tar = execFileSync('dpkg-deb', ['--fsys-tarfile', join(dl, deb)], { maxBuffer: 1 << 30 });
      execFileSync('tar', ['-x', '-C', cacheDir, '--wildcards', './boot/vmlinuz-*'], { input: tar });
    } finally {
      rmSync(dl, { recursive: true, force: true });
    }
    name = find();
    if (!name) throw new Error(`no vmlinuz in the ${pkg} package`);
  }
  return { path: join(cacheDir, 'boot', name), version: name.slice('vmlinuz-'.length) };
}

interface CpioEntry {
  name: string;
  mode: number;
  data?: Buffer;
  rdev?: [number, number];
}

/** cpio "newc" (SVR4 without CRC), the format the kernel unpacks as an initramfs. */
export function encodeCpioNewc(entries: CpioEntry[]): Buffer {
  const parts: Buffer[] = [];
  const pad4 = (n: number) => Buffer.alloc((4 - (n % 4)) % 4);
  const hex = (n: number) => n.toString(16).padStart(8, '0');
  let ino = 1;
  for (const e of [...entries, { name: 'TRAILER!!!', mode: 0 }] as CpioEntry[]) {
    const data = e.data ?? Buffer.alloc(0);
    const name = Buffer.from(`${e.name}\0`);
    const fields = [ino++, e.mode, 0, 0, 1, 0, data.length, 0, 0, e.rdev?.[0] ?? 0, e.rdev?.[1] ?? 0, name.length, 0];
    const header = Buffer.from(`070701${fields.map(hex).join('')}`, 'latin1');
    parts.push(header, name, pad4(header.length + name.length), data, pad4(data.length));
  }
  return Buffer.concat(parts);
}

export function testInitramfs(busybox = BUSYBOX): Buffer {
  const init = ['#!/bin/busybox sh', `/bin/busybox echo ${INIT_MARKER}`, '/bin/busybox echo "kiln-test login: "', '/bin/busybox poweroff -f', ''].join('\n');
  return encodeCpioNewc([
    { name: 'bin', mode: 0o040755 },
    { name: 'bin/busybox', mode: 0o100755, data: readFileSync(busybox) },
    { name: 'dev', mode: 0o040755 },
    { name: 'dev/console', mode: 0o020600, rdev: [5, 1] },
    { name: 'init', mode: 0o100755, data: Buffer.from(init) },
  ]);
}
