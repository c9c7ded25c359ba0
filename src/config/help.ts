/** disk-image-create --help, generated from SETTINGS, laid out like a man page. */
import { SETTINGS, type Setting } from './settings.js';

const GROUPS: [Setting['group'], string][] = [
  ['image', 'Image content'],
  ['output', 'Output'],
  ['build', 'Build'],
  ['debug', 'Diagnostics'],
  ['info', 'Information'],
];

function flagText(s: Setting): string {
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

export function formatHelp(prog = 'disk-image-create'): string {
  const out: string[] = [
    'NAME',
    `    ${prog} - build a bootable Linux disk image from elements, without loop devices or root`,
    '',
    'SYNOPSIS',
    `    ${prog} [OPTIONS] ELEMENT...`,
    '',
    'DESCRIPTION',
    wrap('Resolves the ELEMENTs and their element-deps along ELEMENTS_PATH (base is added unless -n), runs their hook ' +
      'phases on a root tree, lays the tree out on a disk as the block-device configuration says, and writes each output ' +
      "type. Options and DIB_* variables behave as in diskimage-builder's disk-image-create.", 76, '    '),
    '',
    'OPTIONS',
  ];
  for (const [g, title] of GROUPS) {
    out.push(`  ${title}`);
    for (const s of SETTINGS.filter((x) => x.group === g)) {
      out.push(`    ${flagText(s)}`);
      const extra = [s.env ? `env ${s.env}` : '', s.defaultText ? `default: ${s.defaultText}` : '', s.kiln ? 'Kiln only' : '']
        .filter(Boolean).join('; ');
      out.push(wrap(s.help + (extra ? ` [${extra}]` : ''), 70, '        '));
    }
    out.push('');
  }
  out.push(
    'ENVIRONMENT',
    '    ELEMENTS_PATH   colon-separated element directories; earlier entries win; Kiln\'s own elements come last',
    '    DIB_*           passed to every hook; see docs/user-guide.md for the ones Kiln reads itself',
    '    TMP_DIR         where the build workspace is made (default /tmp)',
    '    SOURCE_DATE_EPOCH  timestamps and ids of the image are derived from it (reproducible builds)',
    '    break           before-PHASE,after-PHASE,after-error: open a shell there (break_cmd, break_outside_target)',
    '',
    'EXIT STATUS',
    '    0 success; 1 the build or its input is wrong; 2 usage error; 70 internal error (a bug in Kiln)',
    '',
    'EXAMPLES',
    `    ${prog} debian-minimal vm -o debian            # debian.qcow2, BIOS boot, MBR`,
    `    ${prog} debian-minimal vm block-device-efi -t raw,qcow2 -o efi`,
    `    ${prog} -n busybox-minimal -t tar -o tiny       # seconds, offline`,
    '',
  );
  return out.join('\n');
}
