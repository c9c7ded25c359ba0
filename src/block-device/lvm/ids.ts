// Deterministic LVM2 ids. lvm2 ids are 32 characters of [0-9A-Za-z] (lib/uuid/uuid.c: id_create()
// maps random bytes onto the 62 alphanumerics; id_valid() rejects anything else). The text metadata
// writes them dashed 6-4-4-4-4-4-6 (id_write_format()); the pv_header stores them without dashes.
import { createHash } from 'node:crypto';

export const LVM_ID_LEN = 32;
const ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const GROUPS = [6, 4, 4, 4, 4, 4, 6] as const;

/** A 32-char LVM id derived from `seed` and `purpose` (e.g. "pv:root-pv", "vg:vg", "lv:vg/root"). */
export function lvmId(seed: string, purpose: string): string {
  // Rejection sampling over a SHA-256 stream keeps the 62 characters uniform.
  let out = '';
  for (let block = 0; out.length < LVM_ID_LEN; block++) {
    const digest = createHash('sha256').update(`kiln-lvm-id\0${seed}\0${purpose}\0${block}`).digest();
    for (const byte of digest) {
      if (byte < 248 && out.length < LVM_ID_LEN) out += ALPHABET[byte % 62];
    }
  }
  return out;
}

/** True for a 32-char id of [0-9A-Za-z] (what id_valid() accepts, minus lvm's unused '!' and '#'). */
export function isLvmId(id: string): boolean {
  return /^[0-9A-Za-z]{32}$/.test(id);
}

/** The dashed 6-4-4-4-4-4-6 form lvm2 writes in text metadata (id_write_format()). */
export function formatLvmId(id: string): string {
  if (!isLvmId(id)) throw new Error(`not an LVM id (32 chars of [0-9A-Za-z]): '${id}'`);
  const parts: string[] = [];
  let at = 0;
  for (const len of GROUPS) {
    parts.push(id.slice(at, at + len));
    at += len;
  }
  return parts.join('-');
}
