/**
 * Build the merged hooks directory ($TMP_HOOKS_PATH, /tmp/in_target.d inside the tree) as DIB's
 * generate_hooks does: every subdirectory of every element (but tests/ and __pycache__/) is merged
 * into one directory of that name; a regular file that two elements both put at the top of the
 * same subdirectory is fatal; subdirectories merge; an element's top-level files are copied flat
 * (later ones overwrite earlier ones, as in DIB, where nothing reads them from there).
 * Symlinks are followed; a dangling one (common in git checkouts) is skipped, as DIB's `find
 * -follow -type f/d` and dib-run-parts' `find -xtype f` skip it, silently.
 */
import { cpSync, existsSync, mkdirSync, readdirSync, statSync, type Stats } from 'node:fs';
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
      const st = statOrDangling(src);
      if (!st) continue;
      if (st.isDirectory()) {
        if (entry === 'tests' || entry === '__pycache__') continue;
        const destDir = join(hooksDir, entry);
        mkdirSync(destDir, { recursive: true });
        for (const f of readdirSync(src).sort()) {
          const from = join(src, f);
          const to = join(destDir, f);
          const key = `${entry}/${f}`;
          const fromSt = statOrDangling(from);
          if (!fromSt) continue;
          if (fromSt.isFile() && existsSync(to) && statSync(to).isFile()) {
            problems.push(
              new KilnError(`There is a duplicated hook in your elements: ${key} is in both '${owner.get(key)}' and '${el.name}'`, {
                where: from,
                hint: 'rename one of them: file names in an element subdirectory must be unique across the build',
              }),
            );
            continue;
          }
          owner.set(key, el.name);
          cpSync(from, to, { recursive: true, force: true, dereference: true, preserveTimestamps: true, filter: (p) => statOrDangling(p) !== undefined });
        }
      } else if (st.isFile()) {
        cpSync(src, join(hooksDir, entry), { force: true, preserveTimestamps: true });
      }
    }
  }
  throwIfProblems('duplicated hooks', problems);
}

/** stat() following symlinks; undefined for a dangling symlink (any other error is thrown). */
function statOrDangling(p: string): Stats | undefined {
  try {
    return statSync(p);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ELOOP') return undefined;
    throw e;
  }
}
