/**
 * SELinux labels written into an ext2/3/4 region after mke2fs, for builds whose tree cannot hold
 * them (unprivileged, fakeroot mode): one `debugfs -w -f SCRIPT IMAGE?offset=N` run with an
 * `ea_set -f VALUE PATH security.selinux` line per path, no mount. Each value file holds the
 * context and its NUL, as the kernel and setfiles store it. debugfs reads script words as ss does:
 * a double-quoted word may hold spaces, and "" inside it is one quote.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { KilnError } from '../../errors.js';
import { removeScratchDir } from '../../sandbox/mounts.js';
import { where } from './run.js';
import type { MkfsContext, MkfsRequest } from './types.js';

export const SELINUX_XATTR = 'security.selinux';

export function debugfsQuote(s: string): string {
  return `"${s.replace(/"/g, '""')}"`;
}

/** The script, with each distinct context's value file named by `valueFile(index)`. */
export function formatLabelScript(labels: ReadonlyMap<string, string>, valueFile: (i: number) => string): { script: string; contexts: string[] } {
  const index = new Map<string, number>();
  const lines: string[] = [];
  for (const [path, ctx] of [...labels].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (path.includes('\n')) throw new KilnError(`SELinux label for a path with a newline: ${JSON.stringify(path)}`);
    let i = index.get(ctx);
    if (i === undefined) {
      i = index.size;
      index.set(ctx, i);
    }
    lines.push(`ea_set -f ${debugfsQuote(valueFile(i))} ${debugfsQuote(path)} ${SELINUX_XATTR}`);
  }
  return { script: lines.length ? `${lines.join('\n')}\n` : '', contexts: [...index.keys()] };
}

/** debugfs reports a failed command on stderr and still exits 0: anything but its banner is an error. */
export function debugfsErrors(stderr: string): string[] {
  return stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !/^debugfs \d/.test(l));
}

/** Write `labels` (the filesystem's own absolute paths) into the ext filesystem of `req`. */
export async function writeExtLabels(ctx: MkfsContext, req: MkfsRequest, labels: ReadonlyMap<string, string>): Promise<void> {
  if (labels.size === 0) return;
  const dir = mkdtempSync(join(dirname(req.image), '.kiln-selinux-'));
  try {
    const { script, contexts } = formatLabelScript(labels, (i) => join(dir, `context-${i}`));
    for (const [i, c] of contexts.entries()) writeFileSync(join(dir, `context-${i}`), `${c}\0`);
    const file = join(dir, 'labels.debugfs');
    writeFileSync(file, script);
    const r = await ctx.runner.run('debugfs', ['-w', '-f', file, `${req.image}?offset=${req.offsetBytes}`], {
      env: { E2FSPROGS_FAKE_TIME: String(req.epoch) },
      context: `SELinux labels in ${where(req)}`,
    });
    const errors = debugfsErrors(r.stderr);
    if (errors.length > 0) {
      throw new KilnError(`debugfs could not write ${errors.length} SELinux label(s) in ${where(req)}: ${errors.slice(0, 3).join('; ')}`, {
        hint: 'KILN_SELINUX_RELABEL=0 builds without labels (then add selinux-permissive or relabel at first boot)',
      });
    }
    ctx.log.info(`SELinux: ${labels.size} label(s) (${contexts.length} distinct) written into ${where(req)}`);
  } finally {
    removeScratchDir(dir);
  }
}
