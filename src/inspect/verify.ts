/**
 * `kiln verify-reproducible BUILD-ARGS...`: the same build twice, in separate workspaces and output
 * directories, with one SOURCE_DATE_EPOCH; then every output (and the NAME.d manifests) compared by
 * sha256, and the disk images that differ explained by diffImages.
 */
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { KilnError } from '../errors.js';
import type { Runner } from '../exec/runner.js';
import { diffImages, formatDiff } from './diff.js';

export interface FileComparison {
  file: string;
  same: boolean;
  a?: string;
  b?: string;
}

/** Every regular file below dir, relative, sorted. */
export function listOutputs(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const n of readdirSync(d).sort()) {
      const p = join(d, n);
      const st = lstatSync(p);
      if (st.isDirectory()) walk(p);
      else out.push(relative(dir, p));
    }
  };
  if (existsSync(dir)) walk(dir);
  return out;
}

const hash = (p: string): string => createHash('sha256').update(readFileSync(p)).digest('hex');

/** Files that record the build's run (its times), not its inputs: NAME.d/report.html. Not compared. */
export const RUN_RECORD = /(^|\/)[^/]+\.d\/report\.html$/;

/** The run records below dir (relative, sorted): what compareOutputDirs leaves out. */
export function runRecords(dir: string): string[] {
  return listOutputs(dir).filter((f) => RUN_RECORD.test(f));
}

export function compareOutputDirs(a: string, b: string): FileComparison[] {
  const names = [...new Set([...listOutputs(a), ...listOutputs(b)])].filter((f) => !RUN_RECORD.test(f)).sort();
  return names.map((file) => {
    const ha = existsSync(join(a, file)) ? hash(join(a, file)) : undefined;
    const hb = existsSync(join(b, file)) ? hash(join(b, file)) : undefined;
    return { file, same: ha !== undefined && ha === hb, ...(ha ? { a: ha } : {}), ...(hb ? { b: hb } : {}) };
  });
}

const DISK = /\.(raw|qcow2|vhd|vhdx|vmdk)$/;

/** The comparison as text, with kiln diff's explanation under each disk image that differs. */
export async function formatComparison(runner: Runner, a: string, b: string, files: FileComparison[]): Promise<string> {
  const lines: string[] = [];
  for (const f of files) {
    if (f.same) {
      lines.push(`same     ${f.file}  sha256:${f.a!.slice(0, 16)}`);
      continue;
    }
    if (!f.a || !f.b) {
      lines.push(`DIFFERS  ${f.file}: only in the ${f.a ? 'first' : 'second'} build`);
      continue;
    }
    lines.push(`DIFFERS  ${f.file}  sha256:${f.a.slice(0, 16)} / sha256:${f.b.slice(0, 16)}`);
    if (DISK.test(f.file)) {
      const text = formatDiff(await diffImages(runner, join(a, f.file), join(b, f.file)));
      lines.push(
        ...text
          .trimEnd()
          .split('\n')
          .slice(1)
          .map((l) => `         ${l}`),
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

/** Build arguments with the output name taken out: [the rest, the -o value]. */
export function splitOutputName(args: string[]): [string[], string] {
  const rest: string[] = [];
  let name: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '-o' || a === '--image-name') {
      name = args[++i];
      if (name === undefined) throw new KilnError(`${a} needs a value`, { hint: 'kiln verify-reproducible -o NAME ELEMENT...' });
    } else if (a.startsWith('--image-name=')) name = a.slice('--image-name='.length);
    else if (a.startsWith('-o') && a.length > 2 && !a.startsWith('--')) name = a.slice(2);
    else rest.push(a);
  }
  return [rest, (name ?? 'image').replace(/.*\//, '')];
}
