/**
 * Every setting Kiln has, declared once: disk-image-create's flags, the kiln subcommands' options
 * and every environment variable Kiln reads, with value type, default, help and where it is read.
 * The argv parser, readSettings(), --help, the yargs options, the docs tables and the man pages
 * all come from this table (dib-compat 1.1 and 2). The areas live in settings/*.ts.
 */
import { BLOCK_DEVICE } from './settings/block-device.js';
import { BOOTLOADER } from './settings/bootloader.js';
import { BUILD } from './settings/build.js';
import { DEBUG, INFO } from './settings/debug.js';
import { DISTRO } from './settings/distro.js';
import { IMAGE } from './settings/image.js';
import { KILN } from './settings/kiln.js';
import { OUTPUT } from './settings/output.js';
import type { Group, Scope, Setting } from './settings/types.js';

export type { FlagArg, Group, Scope, Setting } from './settings/types.js';

const AREAS = [IMAGE, OUTPUT, BUILD, BLOCK_DEVICE, BOOTLOADER, DISTRO, DEBUG, INFO, KILN] as const;

export const SETTING_MAP = { ...IMAGE, ...OUTPUT, ...BUILD, ...BLOCK_DEVICE, ...BOOTLOADER, ...DISTRO, ...DEBUG, ...INFO, ...KILN };
export type SettingMap = typeof SETTING_MAP;
export type SettingKey = keyof SettingMap;

export type DeclaredSetting = Setting & { readonly key: SettingKey };

export const SETTINGS: readonly DeclaredSetting[] = Object.entries(SETTING_MAP).map(([key, s]) => Object.freeze({ ...s, key: key as SettingKey }));

/** In --help, the docs and the man pages, in this order. */
export const GROUPS: readonly { group: Group; title: string }[] = [
  { group: 'image', title: 'Image content' },
  { group: 'output', title: 'Output' },
  { group: 'build', title: 'Build' },
  { group: 'block-device', title: 'Block device' },
  { group: 'bootloader', title: 'Bootloader' },
  { group: 'distro', title: 'Distribution' },
  { group: 'debug', title: 'Diagnostics' },
  { group: 'info', title: 'Information' },
  { group: 'kiln', title: 'kiln commands' },
];

/** What each scope means to a user (see settings/types.ts). */
export const SCOPES: readonly { scope: Scope; label: string; meaning: string }[] = [
  {
    scope: 'build',
    label: 'build',
    meaning: 'read by disk-image-create, kiln build and kiln plan when they start, from the command line and their environment',
  },
  {
    scope: 'environment.d',
    label: 'env.d',
    meaning:
      "read by Kiln's host stages (disk layout, grub.cfg, package-installs) from the hooks' environment after the elements' environment.d files; a flag on the command line still wins",
  },
  { scope: 'bootstrap', label: 'bootstrap', meaning: "read by the distro driver from the build's environment, before root.d (environment.d does not apply)" },
  { scope: 'block-device', label: 'block-device', meaning: 'read by kiln plan block-device and kiln block-device create' },
  { scope: 'kiln', label: 'kiln', meaning: 'read by the other kiln commands and element-info' },
  { scope: 'hooks', label: 'hooks', meaning: "read only by the shipped elements' hooks; Kiln passes it on" },
];

export function settingByKey(key: SettingKey): DeclaredSetting {
  const s = SETTINGS.find((x) => x.key === key);
  if (!s) throw new Error(`unknown setting ${key}`);
  return s;
}

/** The settings disk-image-create's command line takes (the DIB argv parser's table). */
export function buildFlags(): DeclaredSetting[] {
  return SETTINGS.filter((s) => (s.short || s.long) && s.scopes.includes('build'));
}

/** Problems of a declaration: a key, a variable or a flag declared twice. Empty when sound. */
export function declarationProblems(areas: readonly Record<string, Setting>[] = AREAS): string[] {
  const problems: string[] = [];
  const keys = areas.flatMap((a) => Object.keys(a));
  for (const k of new Set(keys)) if (keys.filter((x) => x === k).length > 1) problems.push(`setting ${k} is declared twice`);
  const seen = new Map<string, string>();
  const claim = (what: string, key: string) => {
    const other = seen.get(what);
    if (other !== undefined && other !== key) problems.push(`${what} belongs to both ${other} and ${key}`);
    seen.set(what, key);
  };
  for (const [key, s] of areas.flatMap((a) => Object.entries(a))) {
    for (const v of s.env ?? []) claim(`variable ${v}`, key);
    const where = [...(s.scopes.includes('build') ? ['disk-image-create'] : []), ...(s.commands ?? [])];
    for (const w of where) {
      if (s.short) claim(`${w} -${s.short}`, key);
      if (s.long) claim(`${w} --${s.long}`, key);
    }
  }
  return problems;
}

const problems = declarationProblems();
if (problems.length > 0) throw new Error(`the settings declaration is inconsistent:\n${problems.join('\n')}`);
