/**
 * Pulled container images in Kiln's cache: one OCI image layout, `<dir>/containers/oci`, whose blobs
 * are stored by digest (skopeo copies only the blobs it lacks, and images that share layers share
 * them), and per image reference and platform a tag in it plus a record
 * `<dir>/containers/refs/<tag>.json` (reference, platform, manifest digest, when pulled). Offline,
 * the record says which manifest to unpack; the layout's index must still hold that digest.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { processTag } from '../exec/process-tag.js';

export const IMAGES_DIR = 'containers';

export interface ImageRecord {
  ref: string;
  platform: string;
  tag: string;
  /** sha256:... of the image manifest */
  digest: string;
  /** ISO 8601 */
  pulled: string;
}

/** The shared OCI layout of pulled images. */
export function imageLayout(dir: string): string {
  return join(dir, IMAGES_DIR, 'oci');
}

/**
 * The lock file of the shared layout: skopeo rewrites the layout's index.json without a lock of
 * its own, so two pulls at once lose each other's tags. Pulls take it exclusively (`flock`),
 * unpacks shared.
 */
export function imageLayoutLock(dir: string): string {
  return join(dir, IMAGES_DIR, 'lock');
}

/** The tag an image reference is kept under ([a-z0-9] only: any reference maps to a valid OCI tag). */
export function imageTag(ref: string, platform: string): string {
  return `kiln-${createHash('sha256').update(`${ref}\0${platform}`).digest('hex').slice(0, 40)}`;
}

function recordPath(dir: string, tag: string): string {
  return join(dir, IMAGES_DIR, 'refs', `${tag}.json`);
}

/** The manifest digest a layout's index gives a tag, or undefined. */
export function layoutDigest(layout: string, tag: string): string | undefined {
  try {
    const index = JSON.parse(readFileSync(join(layout, 'index.json'), 'utf8')) as {
      manifests?: { digest?: string; annotations?: Record<string, string> }[];
    };
    const m = (index.manifests ?? []).find((x) => x.annotations?.['org.opencontainers.image.ref.name'] === tag);
    return m?.digest;
  } catch {
    return undefined;
  }
}

/** The cached image of `ref` for `platform`, when its record and its manifest in the layout agree. */
export function lookupImage(dir: string, ref: string, platform: string): ImageRecord | undefined {
  const tag = imageTag(ref, platform);
  const p = recordPath(dir, tag);
  if (!existsSync(p)) return undefined;
  try {
    const rec = JSON.parse(readFileSync(p, 'utf8')) as ImageRecord;
    const digest = layoutDigest(imageLayout(dir), tag);
    if (!digest || digest !== rec.digest) return undefined;
    const blob = join(imageLayout(dir), 'blobs', ...digest.split(':'));
    return existsSync(blob) ? rec : undefined;
  } catch {
    return undefined;
  }
}

/** Record what `tag` of the layout holds now (written atomically, after skopeo finished). */
export function recordImage(dir: string, ref: string, platform: string, now = new Date()): ImageRecord | undefined {
  const tag = imageTag(ref, platform);
  const digest = layoutDigest(imageLayout(dir), tag);
  if (!digest) return undefined;
  const rec: ImageRecord = { ref, platform, tag, digest, pulled: now.toISOString() };
  const p = recordPath(dir, tag);
  mkdirSync(join(dir, IMAGES_DIR, 'refs'), { recursive: true });
  const tmp = `${p}.tmp-${randomBytes(4).toString('hex')}-${processTag()}`;
  writeFileSync(tmp, `${JSON.stringify(rec, null, 2)}\n`, { flag: 'wx' });
  renameSync(tmp, p);
  return rec;
}
