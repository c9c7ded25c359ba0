/**
 * Build the merged hooks directory ($TMP_HOOKS_PATH, /tmp/in_target.d inside the tree) as DIB's
 * generate_hooks does: every subdirectory of every element (but tests/ and __pycache__/) is merged
 * into one directory of that name; a regular file that two elements both put at the top of the
 * same subdirectory is fatal; subdirectories merge; an element's top-level files are copied flat
 * (later ones overwrite earlier ones, as in DIB, where nothing reads them from there).
 */
import { cpSync, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { KilnError, throwIfProblems } from '../errors.js';
import type { Element } from '../elements/element.js';

export function materializeHooks(elements: Element[], hooksDir: string): void {
  mkdirSync(hooksDir, { recursive: true });
  const owner = new Map<string, string>();
  const problems: KilnError[] = [];
  for (const el of elements) {
    for (const entry of readdirSync(el.path).sort()) {
      const src = join(el.path, entry);
      const st = statSync(src);
      if (st.isDirectory()) {
        if (entry === 'tests' || entry === '__pycache__') continue;
        const destDir = join(hooksDir, entry);
        mkdirSync(destDir, { recursive: true });
        for (const f of readdirSync(src).sort()) {
          const from = join(src, f);
          const to = join(destDir, f);
          const key = `${entry}/${f}`;
          if (statSync(from).isFile() && existsSync(to) && statSync(to).isFile()) {
            problems.push(new KilnError(`There is a duplicated hook in your elements: ${key} is in both '${owner.get(key)}' and '${el.name}'`, {
              where: from,
              hint: 'rename one of them: file names in an element subdirectory must be unique across the build',
            }));
            continue;
          }
          owner.set(key, el.name);
          cpSync(from, to, { recursive: true, force: true, dereference: true, preserveTimestamps: true });
        }
      } else if (st.isFile()) {
        cpSync(src, join(hooksDir, entry), { force: true, preserveTimestamps: true });
      }
    }
  }
  throwIfProblems('duplicated hooks', problems);
}
