// The line writer behind lvm2's text export (lib/format_text/export.c). Two styles exist there:
//  - 'disk' (_out_with_comment_raw, _nl_raw): the text stored in a PV's metadata area; no indentation,
//    no per-line comments, the header block at the END of the text;
//  - 'backup' (_out_with_comment_file, _nl_file): /etc/lvm/backup and `vgcfgbackup -f` files; tab
//    indentation, aligned "# ..." comments, the header block at the START.

export type LvmTextStyle = 'disk' | 'backup';

const MAX_INDENT = 5;
const COMMENT_TAB = 6;

export class LvmTextWriter {
  private parts: string[] = [];
  private indent = 0;
  constructor(readonly style: LvmTextStyle) {}

  inc(): void {
    this.indent = Math.min(MAX_INDENT, this.indent + 1);
  }
  dec(): void {
    this.indent = Math.max(0, this.indent - 1);
  }
  nl(): void {
    this.parts.push('\n');
  }

  /** outf()/outfc(): one line; `comment` only shows in the backup style. */
  out(text: string, comment?: string): void {
    if (this.style === 'disk') {
      this.parts.push(text, '\n');
      return;
    }
    let line = '\t'.repeat(this.indent) + text;
    if (comment !== undefined) {
      // export.c: i = chars printed; i += 8*indent; i /= 8; i++; do tab while (++i < COMMENT_TAB)
      const i = Math.floor((text.length + 8 * this.indent) / 8) + 1;
      line += '\t'.repeat(Math.max(1, COMMENT_TAB - i)) + comment;
    }
    this.parts.push(line, '\n');
  }

  text(): string {
    return this.parts.join('');
  }
}

/** export.c _sectors_to_units(): "# %g <Unit>" of a size in 512-byte sectors. */
export function sizeComment(sectors: number): string {
  const units = ['Kilobytes', 'Megabytes', 'Gigabytes', 'Terabytes', 'Petabytes', 'Exabytes'];
  let d = sectors / 2;
  let i = 0;
  for (; d > 1024 && i < units.length - 1; i++) d /= 1024;
  return `# ${formatG(d)} ${units[i]}`;
}

/** printf("%g") for the range _sectors_to_units() produces (0.5 .. 1024): 6 significant digits, no trailing zeros. */
export function formatG(d: number): string {
  return String(Number(d.toPrecision(6)));
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const p2 = (n: number): string => String(n).padStart(2, '0');

/** ctime(3) in UTC (lvm uses local time; Kiln builds pin TZ to UTC): "Mon Nov 23 12:03:36 2026\n". */
export function ctimeUtc(seconds: number): string {
  const t = new Date(seconds * 1000);
  return (
    `${DAYS[t.getUTCDay()]} ${MONTHS[t.getUTCMonth()]} ${String(t.getUTCDate()).padStart(2, ' ')} ` +
    `${p2(t.getUTCHours())}:${p2(t.getUTCMinutes())}:${p2(t.getUTCSeconds())} ${t.getUTCFullYear()}\n`
  );
}

/** strftime("%Y-%m-%d %T %z") in UTC, the LV creation_time comment of export.c _print_lv(). */
export function isoTimeUtc(seconds: number): string {
  const t = new Date(seconds * 1000);
  return (
    `${t.getUTCFullYear()}-${p2(t.getUTCMonth() + 1)}-${p2(t.getUTCDate())} ` + `${p2(t.getUTCHours())}:${p2(t.getUTCMinutes())}:${p2(t.getUTCSeconds())} +0000`
  );
}

/** dm_escape_double_quotes(): a backslash before every '"' and '\\'. */
export function escapeQuotes(s: string): string {
  return s.replace(/["\\]/g, (c) => `\\${c}`);
}
