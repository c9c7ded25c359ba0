/** Reading a build's tar output back in tests: one file's text, the member names, or `tar -tv` lines. */
import { spawnSync } from 'node:child_process';

/** The text of one member (`./etc/x`), or undefined when the tar has no such member (or it is a link). */
export function tarFile(tar: string, path: string): string | undefined {
  const r = spawnSync('tar', ['-xOf', tar, path], { encoding: 'utf8', maxBuffer: 256 << 20 });
  return r.status === 0 ? r.stdout : undefined;
}

/** The member names (`./etc/x`). */
export function tarList(tar: string): string[] {
  return spawnSync('tar', ['-tf', tar], { encoding: 'utf8', maxBuffer: 256 << 20 })
    .stdout.split('\n')
    .filter(Boolean);
}

/** `tar -tv` lines: modes, owners and link targets (`./a -> b`) with each name. */
export function tarListLong(tar: string): string[] {
  return spawnSync('tar', ['-tvf', tar], { encoding: 'utf8', maxBuffer: 256 << 20 })
    .stdout.split('\n')
    .filter(Boolean);
}
