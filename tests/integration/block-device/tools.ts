/** Test helpers: run host tools synchronously; skip (or fail in CI) when a tool is missing. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findTool } from '../../helpers/host-tools.js';

export const SBIN_PATH = `${process.env.PATH ?? ''}:/usr/sbin:/sbin`;

/** undefined when all tools exist, else a skip reason; in CI a missing tool throws. */
export function missingTools(...names: string[]): string | undefined {
  const missing = names.filter((n) => !findTool(n, SBIN_PATH));
  if (missing.length === 0) return undefined;
  if (process.env.CI === 'true') throw new Error(`missing tools in CI: ${missing.join(' ')}`);
  return `missing tools: ${missing.join(' ')}`;
}

export function sh(cmd: string, args: string[], opts: { input?: string; env?: Record<string, string>; ok?: number[] } = {}): string {
  try {
    return execFileSync(cmd, args, {
      encoding: 'utf8',
      input: opts.input,
      env: { ...process.env, PATH: SBIN_PATH, ...opts.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
  } catch (e) {
    const err = e as { status?: number; stdout?: string; stderr?: string };
    if (opts.ok?.includes(err.status ?? -1)) return `${err.stdout ?? ''}${err.stderr ?? ''}`;
    throw new Error(`${cmd} ${args.join(' ')} failed (${err.status}): ${err.stderr ?? ''}${err.stdout ?? ''}`);
  }
}

export function withTempDir<T>(fn: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'kiln-bd-'));
  const out = fn(dir);
  if (out instanceof Promise) return out.finally(() => rmSync(dir, { recursive: true, force: true })) as T;
  rmSync(dir, { recursive: true, force: true });
  return out;
}
