/**
 * GUIDs: text <-> on-disk bytes and deterministic derivation (GPT type codes: partitioning/gpt-types.ts).
 * On disk (UEFI 2.10 Appendix A) the first three fields are little-endian, the last two big-endian
 * ("mixed-endian"): 0FC63DAF-8483-4772-8E79-3D69D8477DE4 -> AF 3D C6 0F 83 84 72 47 8E 79 3D 69 ...
 */
import { createHash } from 'node:crypto';
import { KilnError } from '../../errors.js';

const GUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isGuid(text: string): boolean {
  return GUID_RE.test(text);
}

/** 16 on-disk bytes of a GUID given as text. */
export function encodeGuid(text: string): Buffer {
  if (!isGuid(text)) throw new KilnError(`not a GUID: '${text}'`, { hint: 'use the form 0FC63DAF-8483-4772-8E79-3D69D8477DE4' });
  const hex = text.replace(/-/g, '');
  const b = Buffer.from(hex, 'hex');
  b.subarray(0, 4).reverse();
  b.subarray(4, 6).reverse();
  b.subarray(6, 8).reverse();
  return b;
}

/** Text (upper case, as sgdisk prints it) of 16 on-disk GUID bytes. */
export function decodeGuid(bytes: Uint8Array): string {
  const b = Buffer.from(bytes.subarray(0, 16));
  b.subarray(0, 4).reverse();
  b.subarray(4, 6).reverse();
  b.subarray(6, 8).reverse();
  return formatRfc(b).toUpperCase();
}

function formatRfc(b: Buffer): string {
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/**
 * Deterministic GUID for (seed, purpose): first 16 bytes of sha256(seed "\n" purpose), with the
 * RFC 4122 version-4 and variant bits set so tools treat it as an ordinary random UUID. Lower case.
 */
export function deriveGuid(seed: string, purpose: string): string {
  const d = createHash('sha256').update(`${seed}\n${purpose}`).digest().subarray(0, 16);
  d[6] = (d[6]! & 0x0f) | 0x40;
  d[8] = (d[8]! & 0x3f) | 0x80;
  return formatRfc(Buffer.from(d));
}

/** Deterministic u32 (FAT volume serial, MBR disk signature) for (seed, purpose). */
export function deriveU32(seed: string, purpose: string): number {
  return createHash('sha256').update(`${seed}\n${purpose}`).digest().readUInt32BE(0);
}
