/**
 * What a mkfs.xfs protofile cannot carry, applied afterwards in ONE `xfs_db -x` session (commands on
 * stdin): the sticky bit, and the timestamps (protofile inodes all get "now"). atime, mtime and
 * ctime come from the source in whole seconds, clamped to SOURCE_DATE_EPOCH (as ext's are); crtime is
 * the epoch. With that, two trees with the same content and mode give the same bytes.
 *
 * Timestamp encoding: with the bigtime feature (xfsprogs >= 5.15 default) an XFS timestamp is one u64
 * of nanoseconds since 1901-12-13T20:45:52Z, i.e. (seconds + 2^31) * 1e9 + ns, and xfs_db writes that
 * raw value through the `.sec` field. Without bigtime, `.sec` and `.nsec` are separate 32-bit fields.
 * xfs_db recomputes the inode CRC after each write.
 */
import type { TreeEntry } from './tree.js';

const BIGTIME_OFFSET = 2n ** 31n;
const TYPE_BITS: Record<TreeEntry['kind'], number> = {
  file: 0o100000,
  dir: 0o40000,
  symlink: 0o120000,
  block: 0o60000,
  char: 0o20000,
  fifo: 0o10000,
  socket: 0o140000,
};

export function xfsTimestamp(seconds: number, bigtime: boolean): string {
  return bigtime ? ((BigInt(seconds) + BIGTIME_OFFSET) * 1_000_000_000n).toString() : String(seconds);
}

/** xfs_db keeps going after a failed command and exits 0: failures are recognised in its output. */
export function xfsDbFailure(output: string): string | undefined {
  return output.split('\n').find((l) => /not found|invalid|bad |cannot|failed|error|no such|unknown/i.test(l));
}

/**
 * `metaInodes` are inodes outside the tree that mkfs stamps with "now" (the realtime bitmap and summary
 * inodes, sb rbmino/rsumino): their times become the epoch.
 */
export function encodeXfsDbFixups(entries: TreeEntry[], skipped: Set<string>, epoch: number, bigtime: boolean, metaInodes: number[] = []): string {
  const out: string[] = [];
  for (const ino of metaInodes) {
    out.push(`inode ${ino}`);
    for (const field of ['core.atime', 'core.mtime', 'core.ctime', 'v3.crtime']) {
      out.push(`write ${field}.sec ${xfsTimestamp(epoch, bigtime)}`);
      if (!bigtime) out.push(`write ${field}.nsec 0`);
    }
  }
  for (const e of entries) {
    if (skipped.has(e.path)) continue;
    out.push(`path /${e.path}`);
    if (e.mode & 0o1000) out.push(`write core.mode 0${(TYPE_BITS[e.kind] | (e.mode & 0o7777)).toString(8)}`);
    // clamped as in ext (ext-normalize.ts): a time after the epoch is the epoch, an earlier one stays
    const clamp = (t: number): number => Math.min(t, epoch);
    const times: [string, number][] = [
      ['core.atime', clamp(e.atime)],
      ['core.mtime', clamp(e.mtime)],
      ['core.ctime', clamp(e.ctime)],
      ['v3.crtime', epoch],
    ];
    for (const [field, t] of times) {
      out.push(`write ${field}.sec ${xfsTimestamp(t, bigtime)}`);
      if (!bigtime) out.push(`write ${field}.nsec 0`);
    }
  }
  return `${out.join('\n')}\n`;
}

/** Parse `xfs_db -r -c version -c 'sb 0' -c 'print rbmino rsumino'`. */
export function parseXfsDbInfo(out: string): { bigtime: boolean; metaInodes: number[] } {
  const metaInodes = [...out.matchAll(/^(?:rbmino|rsumino) = (\d+)/gm)].map((m) => Number(m[1]));
  return { bigtime: /\bBIGTIME\b/.test(out), metaInodes };
}
