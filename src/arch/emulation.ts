/**
 * Running a foreign architecture's binaries: qemu-user through binfmt_misc. Every in-tree step
 * (the bootstrap's maintainer scripts, hooks, package installs, the initramfs) executes the
 * target's binaries chrooted into the tree, where the host's qemu is not on any path, so the
 * handler must be registered with the F (fix-binary) flag: the kernel then opens the interpreter
 * once, at registration, and uses it in every mount namespace and chroot.
 *
 * Root may register a missing handler from qemu-user-static's data (/usr/share/binfmts/qemu-CPU,
 * the format of update-binfmts); an unprivileged build can only use what is registered.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KilnError } from '../errors.js';
import { type ArchInfo, runsNatively } from './index.js';

export interface EmulationHost {
  host: ArchInfo;
  /** the binfmt_misc filesystem (/proc/sys/fs/binfmt_misc) */
  binfmtDir: string;
  /** update-binfmts' format files, as qemu-user-static installs them (/usr/share/binfmts) */
  binfmtDataDir: string;
  /** whether Kiln may register a handler (real root) */
  canRegister: boolean;
}

export interface BinfmtHandler {
  enabled: boolean;
  interpreter: string;
  flags: string;
}

/** The handler file of binfmt_misc (its "enabled", "interpreter" and "flags:" lines). */
export function parseBinfmtHandler(text: string): BinfmtHandler {
  const lines = text.split('\n');
  const field = (k: string): string => {
    const l = lines.find((x) => x.startsWith(`${k} `) || x.startsWith(`${k}:`));
    return l ? l.slice(k.length + 1).trim() : '';
  };
  return { enabled: lines[0]?.trim() === 'enabled', interpreter: field('interpreter'), flags: field('flags') };
}

/** update-binfmts' format file: "key value" lines (package, interpreter, magic, offset, mask, fix_binary, ...). */
export function parseBinfmtData(text: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of text.split('\n')) {
    const t = line.trim();
    if (!t || t.startsWith('#')) continue;
    const sp = t.indexOf(' ');
    if (sp > 0) m.set(t.slice(0, sp), t.slice(sp + 1).trim());
  }
  return m;
}

/** The line that registers a handler (Documentation/admin-guide/binfmt-misc.rst), always with F. */
export function registrationLine(name: string, data: Map<string, string>): string {
  const magic = data.get('magic');
  const interpreter = data.get('interpreter');
  if (!magic || !interpreter) throw new KilnError(`binfmt data for ${name} has no magic or interpreter`);
  let flags = 'F';
  if (data.get('preserve') === 'yes') flags += 'P';
  if (data.get('credentials') === 'yes') flags += 'C';
  return `:${name}:M:${data.get('offset') ?? ''}:${magic}:${data.get('mask') ?? ''}:${interpreter}:${flags}`;
}

const INSTALL = 'apt-get install qemu-user-static binfmt-support';

/**
 * Whether this host can run `target`'s binaries in the tree; registers the handler when it may.
 * Returns what was done (for the log), or throws the one-line explanation with the fix.
 */
export function ensureEmulation(target: ArchInfo, h: EmulationHost): string | undefined {
  if (runsNatively(h.host, target)) return undefined;
  const what = `${target.name} on an ${h.host.name} host`;
  const name = `qemu-${target.qemuCpu}`;
  const dataFile = join(h.binfmtDataDir, name);
  const haveData = existsSync(dataFile);
  if (!existsSync(join(h.binfmtDir, 'status'))) {
    throw new KilnError(`${what} needs qemu-user through binfmt_misc, and binfmt_misc is not mounted`, {
      hint: haveData
        ? `as root: mount -t binfmt_misc binfmt_misc ${h.binfmtDir} && update-binfmts --enable ${name}`
        : `${INSTALL} (then, if it is still not mounted: mount -t binfmt_misc binfmt_misc ${h.binfmtDir})`,
    });
  }
  const handlerFile = join(h.binfmtDir, name);
  if (!existsSync(handlerFile)) {
    if (!haveData) throw new KilnError(`${what} needs qemu-user-static and binfmt_misc`, { hint: INSTALL });
    if (!h.canRegister) {
      throw new KilnError(`${what} needs the binfmt_misc handler ${name}, which is not registered`, {
        hint: `as root: update-binfmts --enable ${name} (or ${INSTALL}); an unprivileged build cannot register it`,
      });
    }
    const data = parseBinfmtData(readFileSync(dataFile, 'utf8'));
    if (!existsSync(data.get('interpreter') ?? '')) throw new KilnError(`${what}: ${data.get('interpreter')} is missing`, { hint: INSTALL });
    writeOrExplain(join(h.binfmtDir, 'register'), registrationLine(name, data), `${what}: could not register the binfmt_misc handler ${name}`, name);
    return `registered the binfmt_misc handler ${name} (${data.get('interpreter')}, fix-binary)`;
  }
  const handler = parseBinfmtHandler(readFileSync(handlerFile, 'utf8'));
  if (!handler.enabled) {
    if (!h.canRegister) throw new KilnError(`${what}: the binfmt_misc handler ${name} is disabled`, { hint: `as root: update-binfmts --enable ${name}` });
    writeOrExplain(handlerFile, '1', `${what}: could not enable the binfmt_misc handler ${name}`, name);
    return `enabled the binfmt_misc handler ${name}`;
  }
  if (!handler.flags.includes('F')) {
    throw new KilnError(`${what}: the binfmt_misc handler ${name} lacks the F (fix-binary) flag, so it cannot run binaries chrooted into the tree`, {
      hint: `re-register it with fix-binary: as root, update-binfmts --disable ${name}, then install qemu-user-static (its handlers have fix_binary yes) and update-binfmts --enable ${name}`,
    });
  }
  if (!existsSync(handler.interpreter)) {
    // with F the kernel holds the file open; a removed interpreter still works until the next boot
    return `binfmt_misc handler ${name}: ${handler.interpreter} is gone from the host; the kernel still holds it open`;
  }
  return undefined;
}

function writeOrExplain(file: string, text: string, what: string, name: string): void {
  try {
    writeFileSync(file, text);
  } catch (e) {
    throw new KilnError(`${what} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, {
      hint: `register it on the host as real root: update-binfmts --enable ${name}`,
    });
  }
}
