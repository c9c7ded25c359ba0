/** Make throwaway element trees for tests: { name: { deps?, provides?, files? } }. */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export interface ElementSpec {
  deps?: string[];
  provides?: string[];
  /** relative path -> content; a leading '#!' makes the file executable */
  files?: Record<string, string>;
}

export function makeElementTree(spec: Record<string, ElementSpec>, root = mkdtempSync(join(tmpdir(), 'kiln-elements-'))): string {
  for (const [name, el] of Object.entries(spec)) {
    const dir = join(root, name);
    mkdirSync(dir, { recursive: true });
    if (el.deps) writeFileSync(join(dir, 'element-deps'), `${el.deps.join('\n')}\n`);
    if (el.provides) writeFileSync(join(dir, 'element-provides'), `${el.provides.join('\n')}\n`);
    for (const [rel, content] of Object.entries(el.files ?? {})) {
      const p = join(dir, rel);
      mkdirSync(dirname(p), { recursive: true });
      writeFileSync(p, content);
      if (content.startsWith('#!')) chmodSync(p, 0o755);
    }
  }
  return root;
}

export function removeTree(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
