/**
 * The settings tables of the docs, generated from the declaration. A doc marks each table:
 *   <!-- settings:begin variables group=image -->   ...   <!-- settings:end -->
 * Kinds: `variables` (filters group=G,G scope=S), `options` (the disk-image-create flags; `kiln`:
 * only Kiln's own; or command=C: a kiln subcommand's), `scopes` (what "read by" means).
 */
import { flagText, defaultText } from './help.js';
import { buildFlags, SCOPES, SETTINGS, type DeclaredSetting, type Group, type Scope } from './settings.js';

// outside code spans: | ends a cell, and <name> would be taken for HTML
const cell = (s: string): string =>
  s
    .replace(/\|/g, '\\|')
    .replace(/([<>])/g, '\\$1')
    .replace(/\n/g, ' ');
const code = (s: string): string => `\`${s.replace(/\|/g, '\\|')}\``;
/** A markdown table; a column that is empty (–) in every row is left out. */
function table(head: string[], rows: string[][]): string {
  const keep = head.map((_, i) => i === 0 || i === head.length - 1 || rows.some((r) => r[i] !== '–'));
  const pick = (r: string[]) => r.filter((_, i) => keep[i]);
  const h = pick(head);
  return [`| ${h.join(' | ')} |`, `|${h.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${pick(r).join(' | ')} |`)].join('\n');
}

function defaultCell(s: DeclaredSetting): string {
  if (s.defaultText !== undefined) return cell(s.defaultText);
  const d = defaultText(s);
  return d === undefined ? '–' : code(d);
}

const scopeLabel = (scope: Scope): string => SCOPES.find((x) => x.scope === scope)!.label;
const meaning = (s: DeclaredSetting): string => cell(s.help + (s.kiln ? ' Kiln only.' : ''));

function optionsOf(s: DeclaredSetting): string {
  const flags = [s.short ? `-${s.short}` : '', s.long ? `--${s.long}` : ''].filter(Boolean);
  return flags.length ? flags.map(code).join(', ') : '–';
}

interface Spec {
  kind: string;
  words: Set<string>;
  filters: Map<string, string[]>;
}

function parseSpec(text: string): Spec {
  const [kind = '', ...rest] = text.trim().split(/\s+/);
  const filters = new Map<string, string[]>();
  const words = new Set<string>();
  for (const r of rest) {
    const i = r.indexOf('=');
    if (i < 0) words.add(r);
    else filters.set(r.slice(0, i), r.slice(i + 1).split(','));
  }
  return { kind, words, filters };
}

/** The markdown of one marked block. */
export function renderSettingsBlock(specText: string): string {
  const spec = parseSpec(specText);
  if (spec.kind === 'scopes')
    return table(
      ['read by', 'when and from where'],
      SCOPES.map((s) => [code(s.label), cell(s.meaning)]),
    );
  if (spec.kind === 'variables') {
    const groups = spec.filters.get('group') as Group[] | undefined;
    const scope = spec.filters.get('scope')?.[0] as Scope | undefined;
    const rows = SETTINGS.filter((s) => s.env?.length && (!groups || groups.includes(s.group)) && (!scope || s.scopes.includes(scope)));
    if (rows.length === 0) throw new Error(`settings:begin ${specText}: no variables match`);
    return table(
      ['variable', 'option', 'default', 'read by', 'meaning'],
      rows.map((s) => [s.env!.map(code).join(', '), optionsOf(s), defaultCell(s), s.scopes.map(scopeLabel).join(', '), meaning(s)]),
    );
  }
  if (spec.kind === 'options') {
    const command = spec.filters.get('command')?.[0];
    const rows = command ? SETTINGS.filter((s) => s.commands?.includes(command) && s.long) : buildFlags().filter((s) => !spec.words.has('kiln') || s.kiln);
    if (rows.length === 0) throw new Error(`settings:begin ${specText}: no options match`);
    return table(
      ['option', 'variable', 'default', 'meaning'],
      rows.map((s) => [
        code(command ? `--${s.long}${s.arg === 'value' ? ` ${s.argName ?? 'VALUE'}` : ''}` : flagText(s)),
        s.env?.length && s.scopes.some((x) => x !== 'kiln') ? s.env.map(code).join(', ') : '–',
        defaultCell(s),
        meaning(s),
      ]),
    );
  }
  throw new Error(`settings:begin ${specText}: unknown kind '${spec.kind}' (variables, options or scopes)`);
}

const BLOCK = /<!-- settings:begin ([^>]*?) -->\n[\s\S]*?<!-- settings:end -->/g;

/** `doc` with every marked block regenerated; throws on a begin without an end (or the reverse). */
export function updateSettingsBlocks(doc: string, file: string): string {
  const begins = doc.match(/<!-- settings:begin /g)?.length ?? 0;
  const ends = doc.match(/<!-- settings:end -->/g)?.length ?? 0;
  if (begins !== ends) throw new Error(`${file}: ${begins} settings:begin markers but ${ends} settings:end`);
  return doc.replace(BLOCK, (_m, spec: string) => `<!-- settings:begin ${spec} -->\n${renderSettingsBlock(spec)}\n<!-- settings:end -->`);
}
