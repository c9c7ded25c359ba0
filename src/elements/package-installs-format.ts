/**
 * Write the squashed model exactly as DIB's package-installs-squash does:
 * `json.dump(d, f, indent=True, separators=(',', ': '), sort_keys=False)` -- indent 1, ensure_ascii,
 * tuples as lists, no trailing newline. Element scripts and package-installs-v2 read this file.
 */
import { Tree } from '../tree/fs.js';
import type { SquashedPackages } from './package-installs-squash.js';

export function formatSquashedJson(model: SquashedPackages): string {
  if (model.phases.size === 0) return '{}';
  const out: string[] = ['{'];
  const phases = [...model.phases];
  phases.forEach(([phase, ops], pi) => {
    out.push(` ${pyJsonString(phase)}: {`);
    const opList = [...ops];
    opList.forEach(([op, entries], oi) => {
      out.push(`  ${pyJsonString(op)}: [`);
      entries.forEach((e, ei) => {
        out.push('   [', `    ${pyJsonString(e.pkg)},`, `    ${pyJsonString(e.element)}`, `   ]${ei < entries.length - 1 ? ',' : ''}`);
      });
      out.push(`  ]${oi < opList.length - 1 ? ',' : ''}`);
    });
    out.push(` }${pi < phases.length - 1 ? ',' : ''}`);
  });
  out.push('}');
  return out.join('\n');
}

const SHORT: Record<string, string> = { '"': '\\"', '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\b': '\\b', '\f': '\\f' };

/** Python json's ensure_ascii encoder: escapes '"', '\\', and everything outside ' '..'~' (lowercase hex, UTF-16 units). */
export function pyJsonString(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const ch = s.charAt(i);
    const code = s.charCodeAt(i);
    const short = SHORT[ch];
    if (short !== undefined) out += short;
    else if (code < 0x20 || code > 0x7e) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

/** Where the in-target hooks read the squash (DIB: extra-data.d/99-squash-package-install). */
export const SQUASHED_JSON_PATH = 'tmp/package-installs.json';

/** Write the squash into the tree (before pre-install.d), resolved in the tree (src/tree); returns the host file written. */
export function writeSquashedJson(treeDir: string, model: SquashedPackages): string {
  const tree = new Tree(treeDir);
  tree.mkdirp('/tmp');
  return tree.writeFile(SQUASHED_JSON_PATH, formatSquashedJson(model), 0o644);
}
