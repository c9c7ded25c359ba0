/**
 * man/disk-image-create.1, man/diskimage-builder.1 and man/kiln.1 (roff, man macros), generated
 * from the settings declaration, the build-file keys and the kiln command modules; `npm run
 * gen-docs` writes them.
 */
import { defaultText, flagText, PAGE } from '../config/help.js';
import { buildFlags, GROUPS, SCOPES, SETTINGS, type DeclaredSetting } from '../config/settings.js';
import { BUILD_FILE_DESCRIPTION, BUILD_FILE_OPTIONS } from './build-file-cli.js';
import { PROPERTIES } from './build-file.js';
import { loadCommands, type KilnCommand } from './commands/index.js';
import { kilnVersion } from './paths.js';

/** roff text: backslashes, hyphens (minus signs, so options copy and paste), a leading . or ' */
const esc = (s: string): string =>
  s
    .replace(/\\/g, '\\e')
    .replace(/-/g, '\\-')
    .replace(/^([.'])/gm, '\\&$1');
const bold = (s: string): string => `\\fB${esc(s)}\\fR`;

function header(name: string, summary: string): string[] {
  // .nh: no hyphenation, so option and file names stay whole
  return [`.TH ${name.toUpperCase()} 1 "" "Kiln ${kilnVersion()}" "Kiln"`, '.nh', '.SH NAME', `${esc(name)} \\- ${esc(summary)}`];
}

/** One .TP entry: the term, the help, then its notes (variable or option, default, Kiln only, read by). */
function settingEntry(term: string, s: DeclaredSetting, notes: string[]): string[] {
  const all = [...notes, defaultText(s) !== undefined ? `Default: ${defaultText(s)}.` : '', s.kiln ? 'Kiln only.' : ''].filter(Boolean);
  return ['.TP', term, esc(s.help), ...(all.length ? [esc(all.join(' '))] : [])];
}

const variableNote = (s: DeclaredSetting): string => (s.env?.length ? `Variable: ${s.env.join(', ')}.` : '');
const optionNote = (s: DeclaredSetting): string =>
  s.short || s.long ? `Option: ${[s.short && `-${s.short}`, s.long && `--${s.long}`].filter(Boolean).join(', ')}.` : '';
const readBy = (s: DeclaredSetting): string => `Read by: ${s.scopes.map((x) => SCOPES.find((y) => y.scope === x)!.label).join(', ')}.`;

function environment(settings: DeclaredSetting[]): string[] {
  const out: string[] = [];
  for (const { group, title } of GROUPS) {
    const here = settings.filter((s) => s.group === group && s.env?.length);
    if (here.length === 0) continue;
    out.push(`.SS ${esc(title)}`);
    for (const s of here) out.push(...settingEntry(bold(s.env!.join(', ')), s, [optionNote(s), readBy(s)]));
  }
  return out;
}

export function formatDiskImageCreateMan(): string {
  const out = [
    ...header('disk-image-create', PAGE.summary),
    '.SH SYNOPSIS',
    `${bold('disk-image-create')} [\\fIOPTIONS\\fR] \\fIELEMENT\\fR...`,
    '.SH DESCRIPTION',
    esc(PAGE.description),
    '.SH OPTIONS',
  ];
  for (const { group, title } of GROUPS) {
    const here = buildFlags().filter((s) => s.group === group);
    if (here.length === 0) continue;
    out.push(`.SS ${esc(title)}`);
    for (const s of here) out.push(...settingEntry(bold(flagText(s)), s, [variableNote(s)]));
  }
  out.push(
    '.SH ENVIRONMENT',
    esc(
      'Every variable is passed on to the hooks (unless -c). Kiln itself reads these; when several are named, the first one set wins. ' +
        'An empty variable counts as unset. "Read by" says when and from where:',
    ),
  );
  for (const s of SCOPES) out.push('.TP', bold(s.label), esc(s.meaning));
  out.push(...environment(SETTINGS.filter((s) => !s.scopes.every((x) => x === 'kiln'))));
  out.push('.SH EXIT STATUS', esc(PAGE.exitStatus), '.SH EXAMPLES');
  for (const [args, what] of PAGE.examples) out.push('.TP', bold(`disk-image-create ${args}`), esc(`${what[0]!.toUpperCase()}${what.slice(1)}.`));
  out.push('.SH SEE ALSO', `${bold('kiln')}(1), ${bold('element-info')}(1); docs/user-guide.md in the Kiln repository`, '');
  return out.join('\n');
}

/** Every command and subcommand, with its path ('plan block-device') and its usage ('boot-test <image>'). */
function commandsOf(cs: KilnCommand[], parent = ''): { path: string; usage: string; describe: string }[] {
  return cs.flatMap((c) => {
    if (c.describe === false) return []; // hidden (kiln __complete)
    const usage = `${parent}${String(c.command)}`;
    const path = `${parent}${String(c.command).split(' ')[0]}`;
    return [{ path, usage, describe: String(c.describe ?? '') }, ...commandsOf(c.subcommands ?? [], `${path} `)];
  });
}

export async function formatKilnMan(): Promise<string> {
  const commands = commandsOf(await loadCommands());
  const out = [
    ...header('kiln', 'loopless, rootless, DIB-compatible disk-image composer'),
    '.SH SYNOPSIS',
    `${bold('kiln')} \\fICOMMAND\\fR [\\fIOPTIONS\\fR]`,
    '.SH DESCRIPTION',
    esc(
      'The kiln front end: build images (the same options as disk-image-create), print plans, write block-device layouts, ' +
        'boot-test images and manage the cache.',
    ),
    '.SH COMMANDS',
  ];
  for (const c of commands) {
    out.push(`.SS ${esc(`kiln ${c.usage}`)}`, esc(c.describe));
    if (c.path === 'build' || c.path === 'plan') out.push('.PP', esc('Takes the options and variables of disk-image-create(1).'));
    for (const s of SETTINGS.filter((x) => x.commands?.includes(c.path) && x.long)) {
      out.push(...settingEntry(bold(`--${s.long}${s.arg === 'value' ? ` ${s.argName ?? 'VALUE'}` : ''}`), s, [variableNote(s)]));
    }
  }
  out.push(
    '.SH GLOBAL OPTIONS',
    ...settingEntry(bold('--debug'), SETTINGS.find((s) => s.key === 'debug')!, [variableNote(SETTINGS.find((s) => s.key === 'debug')!)]),
  );
  out.push(
    '.SH ENVIRONMENT',
    esc('kiln build and kiln plan read the variables of disk-image-create(1). The other commands read:'),
    ...environment(SETTINGS.filter((s) => s.scopes.includes('kiln') || s.scopes.includes('block-device'))),
  );
  out.push(
    '.SH EXIT STATUS',
    esc(PAGE.exitStatus.replace('the build', 'the command')),
    '.SH SEE ALSO',
    `${bold('disk-image-create')}(1), ${bold('element-info')}(1); docs/ in the Kiln repository`,
    '',
  );
  return out.join('\n');
}

export function formatDiskimageBuilderMan(): string {
  const out = [
    ...header('diskimage-builder', "build the images of DIB's YAML build files"),
    '.SH SYNOPSIS',
    `${bold('diskimage-builder')} [\\fIOPTIONS\\fR] \\fIFILE.yaml\\fR...`,
    '.br',
    `${bold('kiln build -f')} \\fIFILE.yaml\\fR [\\fIOPTIONS\\fR]`,
    '.SH DESCRIPTION',
    esc(BUILD_FILE_DESCRIPTION),
    '.SH OPTIONS',
  ];
  for (const o of BUILD_FILE_OPTIONS)
    out.push('.TP', bold(`${'alias' in o ? `-${o.alias}, ` : ''}--${o.name}${'arg' in o ? ` ${o.arg}` : ''}`), esc(o.describe));
  out.push(
    '.SH FILE FORMAT',
    esc(
      "A list of image definitions, each a map of these keys (diskimage-builder's). An entry without imagename continues the one " +
        'before it; an entry that repeats an imagename is merged into the first (lists appended, maps updated, other values replaced).',
    ),
  );
  for (const p of PROPERTIES) out.push('.TP', bold(p.key), esc(p.help));
  out.push(
    '.SH EXIT STATUS',
    esc('0 every image was built; 1 an image failed, or the files have problems; 2 usage error; 128 + N interrupted by signal N'),
    '.SH SEE ALSO',
    `${bold('disk-image-create')}(1), ${bold('kiln')}(1); docs/user-guide.md (Build files) and examples/ in the Kiln repository`,
    '',
  );
  return out.join('\n');
}
