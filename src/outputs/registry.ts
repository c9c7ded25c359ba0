/**
 * The output formats, by name. Adding a format is one module plus one line in FORMATS.
 * `planOutputs` turns a -t list into the order the formats are written in.
 */
import { KilnError } from '../errors.js';
import { docker } from './docker.js';
import { qcow2, vhd, vhdx, vmdk } from './disk-formats.js';
import { oci } from './oci.js';
import { raw } from './raw.js';
import { squash } from './squash.js';
import { tar } from './tar.js';
import { tgz } from './tgz.js';
import type { OutputFormat } from './types.js';

const FORMATS: readonly OutputFormat[] = [qcow2, raw, vhd, vhdx, vmdk, tar, tgz, docker, oci, squash];

/** Other spellings users bring from DIB or qemu-img. */
const ALIASES: Readonly<Record<string, string>> = { squashfs: 'squash', vpc: 'vhd', 'tar.gz': 'tgz' };

/** Known names we do not write, with why: a clearer message than "unknown". */
const UNSUPPORTED: Readonly<Record<string, string>> = {
  aci: 'the App Container format is deprecated; use oci',
};

export function outputFormatNames(): string[] {
  return FORMATS.map((f) => f.name);
}

export function outputFormat(name: string): OutputFormat {
  const wanted = ALIASES[name] ?? name;
  const f = FORMATS.find((x) => x.name === wanted);
  if (!f) {
    throw new KilnError(`unknown output type '${name}'`, { hint: `valid types: ${outputFormatNames().join(', ')}` });
  }
  return f;
}

/**
 * Validate a -t list, map aliases, drop duplicates and order it: the given order, except raw goes
 * last because it may move the assembled image (DIB does the same). Every bad name is reported.
 */
export function planOutputs(types: string[]): OutputFormat[] {
  const names = types
    .flatMap((t) => t.split(','))
    .map((t) => t.trim())
    .filter(Boolean);
  if (names.length === 0) {
    throw new KilnError('no output type given', { hint: `pass -t with one or more of: ${outputFormatNames().join(', ')}` });
  }
  const bad = names.filter((n) => !outputFormatNames().includes(ALIASES[n] ?? n));
  if (bad.length > 0) {
    const why = bad.map((b) => (UNSUPPORTED[b] ? `'${b}' (${UNSUPPORTED[b]})` : `'${b}'`)).join(', ');
    throw new KilnError(`unknown output type${bad.length > 1 ? 's' : ''} ${why}`, {
      where: '-t',
      hint: `valid types: ${outputFormatNames().join(', ')}`,
    });
  }
  const plan: OutputFormat[] = [];
  for (const n of names) {
    const f = outputFormat(n);
    if (!plan.includes(f)) plan.push(f);
  }
  return [...plan.filter((f) => f.name !== 'raw'), ...plan.filter((f) => f.name === 'raw')];
}
