/**
 * A GNU-getopt-compatible parser for disk-image-create, driven by SETTINGS: clustered short flags
 * (-xu), attached or separate values (-oname, -o name, --image-size=2, --image-size 2), counted
 * flags (-x -x), unambiguous prefixes of long options (--image-s 2), `--` ending the options, and
 * options after positionals (GNU permutation).
 */
import { UsageError } from '../errors.js';
import { buildFlags, type DeclaredSetting } from './settings.js';

export interface ParsedArgs {
  /** the command line as given (DIB exports it as DIB_ARGS, before getopt parses it) */
  argv: string[];
  values: Map<string, string[]>;
  counts: Map<string, number>;
  positionals: string[];
}

export function parseArgv(argv: string[], settings: readonly DeclaredSetting[] = buildFlags()): ParsedArgs {
  const values = new Map<string, string[]>();
  const counts = new Map<string, number>();
  const positionals: string[] = [];
  const set = (s: DeclaredSetting, v?: string) => {
    counts.set(s.key, (counts.get(s.key) ?? 0) + 1);
    if (v !== undefined) values.set(s.key, [...(values.get(s.key) ?? []), v]);
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = a.slice(2, eq < 0 ? undefined : eq);
      const s = matchLong(name, settings);
      if (takesValue(s)) {
        const v = eq >= 0 ? a.slice(eq + 1) : argv[++i];
        if (v === undefined) throw new UsageError(`option '--${s.long}' requires an argument`, { hint: `--${s.long} ${s.argName ?? 'VALUE'}` });
        set(s, v);
      } else {
        if (eq >= 0) throw new UsageError(`option '--${s.long}' doesn't allow an argument`);
        set(s);
      }
    } else if (a.startsWith('-') && a.length > 1) {
      for (let j = 1; j < a.length; j++) {
        const ch = a[j]!;
        const s = settings.find((x) => x.short === ch);
        if (!s) throw new UsageError(`invalid option -- '${ch}'`, { hint: 'see disk-image-create --help' });
        if (takesValue(s)) {
          const rest = a.slice(j + 1);
          const v = rest.length > 0 ? rest : argv[++i];
          if (v === undefined) throw new UsageError(`option requires an argument -- '${ch}'`, { hint: `-${ch} ${s.argName ?? 'VALUE'}` });
          set(s, v);
          break;
        }
        set(s);
      }
    } else {
      positionals.push(a);
    }
  }
  return { argv: [...argv], values, counts, positionals };
}

function takesValue(s: DeclaredSetting): boolean {
  return s.arg === 'value' || s.arg === 'list';
}

function matchLong(name: string, settings: readonly DeclaredSetting[]): DeclaredSetting {
  const exact = settings.find((s) => s.long === name);
  if (exact) return exact;
  const prefixed = settings.filter((s) => s.long?.startsWith(name));
  if (prefixed.length === 1) return prefixed[0]!;
  if (prefixed.length > 1) {
    throw new UsageError(`option '--${name}' is ambiguous; possibilities: ${prefixed.map((s) => `'--${s.long}'`).join(' ')}`);
  }
  throw new UsageError(`unrecognized option '--${name}'`, { hint: 'see disk-image-create --help' });
}
