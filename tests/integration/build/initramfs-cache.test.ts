// The initramfs cache with whole busybox-minimal builds: a stand-in mkinitramfs in the tree (it
// puts random bytes in every image it makes and counts its runs; a link in /etc/initramfs-tools leads
// into /proc, as /etc/mtab does) is called from finalise.d as
// update-initramfs calls it. The second build copies the cached image (the same random bytes, no
// run); a changed /etc/initramfs-tools file misses; a corrupt cached image is made afresh;
// KILN_NO_INITRAMFS_CACHE runs the tool; `kiln cache list` shows the entry.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { FIXTURE_ELEMENTS, runCli } from '../../helpers/cli.js';

const work = mkdtempSync(join(tmpdir(), 'kiln-initramfs-'));
after(() => rmSync(work, { recursive: true, force: true }));
const elements = join(work, 'elements');
cpSync(join(FIXTURE_ELEMENTS, 'initramfs-probe'), join(elements, 'initramfs-probe'), { recursive: true });
const cache = join(work, 'cache');

function tarFile(tar: string, path: string): Buffer | undefined {
  const r = spawnSync('tar', ['-xOf', tar, path]);
  return r.status === 0 ? r.stdout : undefined;
}

let n = 0;
function build(env: Record<string, string> = {}): { initrd: Buffer; runs: string; log: string } {
  const out = join(work, `out-${n++}`, 'bb');
  const r = runCli('disk-image-create', ['-n', 'initramfs-probe', '-t', 'tar', '-o', out], {
    env: { ELEMENTS_PATH: elements, DIB_IMAGE_CACHE: cache, TMP_DIR: join(work, 'tmp'), SOURCE_DATE_EPOCH: '1700000000', ...env },
  });
  assert.equal(r.status, 0, r.stderr);
  const initrd = tarFile(`${out}.tar`, './boot/initrd.img-6.0-probe');
  assert.ok(initrd, 'the image has its initramfs');
  return { initrd, runs: tarFile(`${out}.tar`, './var/lib/initramfs-probe/runs')?.toString() ?? '', log: r.stderr };
}

describe('initramfs cache (busybox-minimal builds, a stand-in mkinitramfs)', () => {
  let first: Buffer;

  it('the first build runs mkinitramfs and stores its image', () => {
    const a = build();
    assert.equal(a.runs, 'run 6.0-probe\n');
    assert.match(a.log, /initramfs cache: stored the initramfs of 6\.0-probe \([0-9a-f]{12}/);
    first = a.initrd;
  });

  it('the next build copies the cached image: mkinitramfs does not run', () => {
    const b = build();
    assert.equal(b.runs, '', 'mkinitramfs did not run');
    assert.match(b.log, /mkinitramfs: 6\.0-probe from Kiln's initramfs cache/);
    assert.ok(b.initrd.equals(first), 'the same image, random bytes and all');
  });

  it('a changed file under /etc/initramfs-tools misses (the layer still hits)', () => {
    const hook = join(elements, 'initramfs-probe/finalise.d/50-initramfs-probe');
    writeFileSync(hook, readFileSync(hook, 'utf8').replace('INITRAMFS_PROBE_CONF:-a}', 'INITRAMFS_PROBE_CONF:-c}'));
    const c = build();
    assert.match(c.log, /from layer/);
    assert.equal(c.runs, 'run 6.0-probe\n');
    assert.match(c.initrd.toString('latin1'), /^initramfs of 6\.0-probe\nconf c\n/);
  });

  it('a corrupt cached image is made afresh', () => {
    const dir = join(cache, 'initramfs');
    const newest = readdirSync(dir)
      .filter((f) => f.endsWith('.img'))
      .map((f) => join(dir, f))
      .find((f) => readFileSync(f).includes('conf c'))!;
    const bytes = readFileSync(newest);
    bytes[bytes.length - 1] ^= 0xff;
    writeFileSync(newest, bytes);
    const d = build();
    assert.match(d.log, /Kiln's cached initramfs [0-9a-f]{12} is corrupt; making it afresh/);
    assert.equal(d.runs, 'run 6.0-probe\n');
    const e = build();
    assert.equal(e.runs, '', 'stored again: the next build uses it');
    assert.ok(e.initrd.equals(d.initrd));
  });

  it('KILN_NO_INITRAMFS_CACHE runs mkinitramfs', () => {
    const f = build({ KILN_NO_INITRAMFS_CACHE: '1' });
    assert.equal(f.runs, 'run 6.0-probe\n');
    assert.doesNotMatch(f.log, /initramfs cache/);
  });

  it('kiln cache list shows the initramfs entries', () => {
    const r = runCli('kiln', ['cache', 'list', '--image-cache', cache]);
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.split('\n').filter((l) => l.startsWith('initramfs'));
    assert.equal(lines.length, 2, r.stdout);
    for (const l of lines) assert.match(l, /^initramfs {2}[0-9a-f]{12} .* MiB {2}kernel 6\.0-probe, mkinitramfs$/);
  });
});
