/** Small readers for config values that record a problem instead of throwing. */
import { KilnError } from '../../errors.js';

export function problem(ctx: { problems: KilnError[] }, message: string, where: string, hint?: string): void {
  ctx.problems.push(new KilnError(message, hint === undefined ? { where } : { where, hint }));
}

/** A string-ish scalar (numbers are accepted: YAML turns `name: 1` into a number). */
export function asText(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}

/** DIB `options` lists (pvcreate/vgcreate/lvcreate args): a list, or a string split on spaces. */
export function asOptions(v: unknown): string[] {
  if (Array.isArray(v)) return v.map((x) => String(x));
  if (typeof v === 'string') return v.split(' ').filter(Boolean);
  return [];
}

export function warnUnknownKeys(values: Record<string, unknown>, known: string[], what: string, where: string, warnings: string[]): void {
  for (const k of Object.keys(values)) {
    if (!known.includes(k)) warnings.push(`${where}: unknown key '${k}' in ${what} (ignored, as DIB does)`);
  }
}
