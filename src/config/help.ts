/** disk-image-create --help, generated from SETTINGS, laid out like a man page. */
import { buildFlags, GROUPS, SETTINGS, type DeclaredSetting } from './settings.js';

export function flagText(s: DeclaredSetting): string {
  const names = [s.short ? `-${s.short}` : undefined, s.long ? `--${s.long}` : undefined].filter(Boolean).join(', ');
  return s.arg === 'value' || s.arg === 'list' ? `${names} ${s.argName ?? 'VALUE'}` : names;
}

function wrap(text: string, width: number, indent: string): string {
  const words = text.split(/\s+/);
  const lines: string[] = [];
  let line = '';
  for (const w of words) {
    if (line && line.length + 1 + w.length > width) {
      lines.push(line);
      line = w;
    } else line = line ? `${line} ${w}` : w;
  }
  if (line) lines.push(line);
  return lines.map((l) => indent + l).join('\n');
}

/** The prose of disk-image-create's help and man page. */
export const PAGE = {
  summary: 'build a bootable Linux disk image from elements, without loop devices or root',
  description:
    'Resolves the ELEMENTs and their element-deps along ELEMENTS_PATH (base is added unless -n), runs their hook ' +
    'phases on a root tree, lays the tree out on a disk as the block-device configuration says, and writes each output ' +
    "type. Options and DIB_* variables behave as in diskimage-builder's disk-image-create.",
  exitStatus: '0 success; 1 the build or its input is wrong; 2 usage error; 70 internal error (a bug in Kiln)',
  examples: [
    ['debian-minimal vm -o debian', 'debian.qcow2, BIOS boot, MBR'],
    ['debian-minimal vm block-device-efi -t raw,qcow2 -o efi', 'UEFI, a raw and a qcow2 image'],
    ['-n busybox-minimal -t tar -o tiny', 'seconds, offline'],
  ] as const,
};

/** A command that takes the build's options: disk-image-create, kiln build, kiln plan. */
export interface HelpPage {
  summary?: string;
  description?: string;
  /** more SYNOPSIS lines (subcommands) */
  synopsis?: string[];
}

export function formatHelp(prog = 'disk-image-create', page: HelpPage = {}): string {
  const out: string[] = [
    'NAME',
    `    ${prog} - ${page.summary ?? PAGE.summary}`,
    '',
    'SYNOPSIS',
    `    ${prog} [OPTIONS] ELEMENT...`,
    ...(page.synopsis ?? []).map((l) => `    ${l}`),
    '',
    'DESCRIPTION',
    wrap(page.description ?? PAGE.description, 76, '    '),
    '',
    'OPTIONS',
  ];
  const flags = buildFlags();
  for (const { group, title } of GROUPS) {
    const here = flags.filter((x) => x.group === group);
    if (here.length === 0) continue;
    out.push(`  ${title}`);
    for (const s of here) {
      out.push(`    ${flagText(s)}`);
      const extra = [s.env ? `env ${s.env.join(', ')}` : '', defaultText(s) ? `default: ${defaultText(s)}` : '', s.kiln ? 'Kiln only' : '']
        .filter(Boolean)
        .join('; ');
      out.push(wrap(s.help + (extra ? ` [${extra}]` : ''), 70, '        '));
    }
    out.push('');
  }
  out.push('ENVIRONMENT');
  for (const s of SETTINGS.filter((x) => !x.short && !x.long && x.scopes.includes('build') && !x.lookedUpByName)) {
    out.push(`    ${s.env!.join(', ')}`, wrap(s.help + (defaultText(s) ? ` [default: ${defaultText(s)}]` : ''), 70, '        '));
  }
  out.push(
    '    DIB_*',
    wrap(
      'Every variable is passed on to the hooks (unless -c). The disk layout, bootloader and Debian variables Kiln reads: ' +
        'see disk-image-create(1) and docs/user-guide.md.',
      70,
      '        ',
    ),
    '',
    'EXIT STATUS',
    `    ${PAGE.exitStatus}`,
    '',
    'EXAMPLES',
    ...PAGE.examples.flatMap(([args, what]) => [`    # ${what}`, `    ${prog} ${args}`]),
    '',
  );
  return out.join('\n');
}

/** The default as the help and the docs show it: the declared text, or the plain value. */
export function defaultText(s: DeclaredSetting): string | undefined {
  if (s.defaultText !== undefined) return s.defaultText;
  const d = s.default;
  if (d === undefined || typeof d === 'function' || d === false) return undefined;
  if (Array.isArray(d)) return d.length ? d.join(',') : undefined;
  return d === true ? 'on' : String(d);
}
