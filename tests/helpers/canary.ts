/**
 * A host "canary": a directory of known files that a test points the tree's symlinks at. snapshot()
 * records every entry (type, mode, size, content or link target); a test asserts it is unchanged.
 */
import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Canary {
  dir: string;
  /** a regular file in dir, with content */
  file: string;
  snapshot(): string[];
}

export function makeCanary(base = tmpdir()): Canary {
  const dir = mkdtempSync(join(base, 'kiln-canary-'));
  chmodSync(dir, 0o755);
  writeFileSync(join(dir, 'precious'), 'canary: must survive the build\n');
  chmodSync(join(dir, 'precious'), 0o640);
  writeFileSync(join(dir, 'x.log'), 'a host log line\n');
  mkdirSync(join(dir, 'sub'));
  writeFileSync(join(dir, 'sub', 'deep'), 'deep file\n');
  symlinkSync('precious', join(dir, 'link'));
  return { dir, file: join(dir, 'precious'), snapshot: () => snapshot(dir) };
}

export function snapshot(dir: string): string[] {
  const out: string[] = [];
  const walk = (p: string, rel: string): void => {
    const st = lstatSync(p);
    const head = `${rel} ${st.mode.toString(8)} ${st.uid}:${st.gid}`;
    if (st.isSymbolicLink()) out.push(`${head} -> ${readlinkSync(p)}`);
    else if (st.isFile()) out.push(`${head} ${st.size} ${readFileSync(p).toString('base64')}`);
    else out.push(head);
    if (st.isDirectory()) for (const e of readdirSync(p).sort()) walk(join(p, e), `${rel}/${e}`);
  };
  walk(dir, '.');
  return out;
}
